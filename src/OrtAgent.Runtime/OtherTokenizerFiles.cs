namespace OrtAgent.Runtime;

/// <summary>
/// Names the tokenizer a model directory without <c>vocab.txt</c> holds instead. A Hugging Face model saved with
/// <c>save_pretrained</c> and exported to ONNX (the layout <see cref="ModelContract"/> reads) may be a RoBERTa, XLM-R or
/// DeBERTa classifier, whose tokenizer is byte-level BPE or SentencePiece: the runtime reads BERT WordPiece only, and
/// "no vocab.txt" alone sent users looking for a file such a model never had.
/// </summary>
internal static class OtherTokenizerFiles
{
    // What transformers' save_pretrained writes for each kind, and the models that use it.
    private static readonly (string[] Files, string Kind)[] Known =
    [
        (["vocab.json", "merges.txt"], "a byte-level BPE tokenizer's (RoBERTa, GPT-2)"),
        (["sentencepiece.bpe.model"], "a SentencePiece tokenizer's (XLM-RoBERTa)"),
        (["spm.model"], "a SentencePiece tokenizer's (DeBERTa-v3)"),
        (["spiece.model"], "a SentencePiece tokenizer's (ALBERT, T5)"),
    ];

    /// <summary>
    /// What <paramref name="directory"/> has instead of <c>vocab.txt</c>, worded to follow "no vocab.txt beside
    /// model.onnx" (<c>; it has vocab.json and merges.txt, …</c>); null when it has no tokenizer file this knows.
    /// </summary>
    public static string? Describe(string directory)
    {
        foreach (var (files, kind) in Known)
            if (files.All(file => File.Exists(Path.Combine(directory, file))))
                return $"; it has {string.Join(" and ", files)}, {kind}, and the runtime reads BERT WordPiece vocabularies ({ModelContract.VocabularyFile}) only";
        return File.Exists(Path.Combine(directory, "tokenizer.json"))
            ? $"; it has tokenizer.json only, and the runtime reads a BERT WordPiece {ModelContract.VocabularyFile} (a BERT tokenizer's save_pretrained writes one)"
            : null;
    }
}
