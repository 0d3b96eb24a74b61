using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A model directory that is wrong in a way a user makes is refused saying which way: a <c>model.onnx</c> or
/// <c>vocab.txt</c> that is a folder, an empty vocabulary, a run's <c>checkpoint</c> folder. They were told as a
/// missing model, or in the tokenizer's words ("The special token '[UNK]' is not in the vocabulary.").
/// </summary>
public sealed class ModelDirectoryMistakesTests : IDisposable
{
    private readonly TempDirectory _directory = new("model-directory-mistakes");

    public ModelDirectoryMistakesTests() => ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(ModelContract.ModelFile)]
    [InlineData(ModelContract.VocabularyFile)]
    public void AModelFileThatIsAFolderIsSaidToBeOne(string file)
    {
        string path = _directory.Combine(file);
        File.Delete(path);
        Directory.CreateDirectory(path);

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{path}: is a directory; a model's {file} is a file", refused.Message);
    }

    [Fact]
    public void AnEmptyVocabularyIsSaidToBeEmpty()
    {
        string vocabulary = _directory.Combine(ModelContract.VocabularyFile);
        File.WriteAllBytes(vocabulary, []);

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{vocabulary}: is empty; a vocab.txt lists the model's WordPiece tokens, one a line", refused.Message);
    }

    [Fact]
    public void AVocabularyWithoutASpecialTokenNamesIt()
    {
        string vocabulary = _directory.Combine(ModelContract.VocabularyFile);
        File.WriteAllLines(vocabulary, File.ReadAllLines(vocabulary).Where(token => token != "[UNK]"));

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{vocabulary}: has no [UNK] line; a BERT vocab.txt lists its special tokens [PAD], [UNK], [CLS], [SEP], [MASK] among its WordPiece tokens, one a line",
            refused.Message);
    }

    /// <summary>A folder of a run's artifacts is where a user looks for the run's model: told as the run's folder is, naming the run.</summary>
    [Fact]
    public void ARunsCheckpointFolderIsSaidToBePartOfItsArtifacts()
    {
        string artifacts = _directory.Combine("artifacts");
        string checkpoint = Path.Combine(artifacts, "checkpoint");
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(artifacts, "training_model.onnx"), "x");
        File.WriteAllText(Path.Combine(checkpoint, "model.safetensors"), "x");

        var refused = Assert.Throws<TrainingArtifactsNotAModelException>(() => TextClassifier.Load(checkpoint));

        Assert.Equal($"{checkpoint}: no model.onnx in the model directory: this folder is part of a training run's artifacts ({artifacts}), not a model; "
            + "export a model from its checkpoint (ModelExporter.Export, in OrtAgent.Training) and load that", refused.Message);
        Assert.Equal(artifacts, refused.ArtifactsDirectory);
    }

    /// <summary>
    /// A model.onnx cut short (a copy to a device interrupted) names the damage and both sizes; ONNX Runtime said only
    /// "Protobuf parsing failed", with its error code and the path twice.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(100)]
    public void AModelFileCutShortIsSaidToBeCutShort(int keptPart)
    {
        string model = _directory.Combine(ModelContract.ModelFile);
        var bytes = File.ReadAllBytes(model);
        int kept = bytes.Length * keptPart / 200;
        File.WriteAllBytes(model, bytes[..kept]);

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        var said = System.Text.RegularExpressions.Regex.Match(refused.Message,
            $@"^{System.Text.RegularExpressions.Regex.Escape(model)}: is cut short: it has {kept} bytes, and its contents run to byte (\d+); is it a partial copy\?$");
        Assert.True(said.Success, refused.Message);
        Assert.InRange(long.Parse(said.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), kept + 1, bytes.Length);
    }

    [Fact]
    public void AnEmptyModelFileIsSaidToBeEmpty()
    {
        string model = _directory.Combine(ModelContract.ModelFile);
        File.WriteAllBytes(model, []);

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{model}: is empty (0 bytes); is it a partial copy?", refused.Message);
    }

    [UnixFact("a symbolic link needs a privilege on Windows")]
    public void AModelFileLinkedToNothingNamesTheMissingTarget()
    {
        string model = _directory.Combine(ModelContract.ModelFile);
        string target = _directory.Combine("deployed", ModelContract.ModelFile);
        File.Delete(model);
        File.CreateSymbolicLink(model, target);

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{model}: is a link to {target}, which does not exist", refused.Message);
    }

    /// <summary>A file that is no ONNX model at all is left in ONNX Runtime's words: nothing says it was ever whole.</summary>
    [Fact]
    public void AFileThatIsNoModelAtAllIsSaidInOnnxRuntimesWords()
    {
        string model = _directory.Combine(ModelContract.ModelFile);
        File.WriteAllText(model, "<html>404 Not Found</html>");

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.StartsWith($"{model}: ONNX Runtime cannot load it: ", refused.Message);
    }

    /// <summary>
    /// A Hugging Face classifier whose tokenizer is not WordPiece (RoBERTa's BPE, XLM-R's SentencePiece) has no vocab.txt
    /// to find: the refusal says what it has and what the runtime reads. It said only "no vocab.txt beside model.onnx".
    /// </summary>
    [Theory]
    [InlineData("vocab.json merges.txt", "; it has vocab.json and merges.txt, a byte-level BPE tokenizer's (RoBERTa, GPT-2), and the runtime reads BERT WordPiece vocabularies (vocab.txt) only")]
    [InlineData("sentencepiece.bpe.model tokenizer.json", "; it has sentencepiece.bpe.model, a SentencePiece tokenizer's (XLM-RoBERTa), and the runtime reads BERT WordPiece vocabularies (vocab.txt) only")]
    [InlineData("tokenizer.json", "; it has tokenizer.json only, and the runtime reads a BERT WordPiece vocab.txt (a BERT tokenizer's save_pretrained writes one)")]
    [InlineData("merges.txt", "")]
    public void AnotherKindOfTokenizerIsNamedWhereVocabTxtIsMissing(string files, string said)
    {
        File.Delete(_directory.Combine(ModelContract.VocabularyFile));
        foreach (var file in files.Split(' ')) File.WriteAllText(_directory.Combine(file), "{}");

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{_directory.Path}: no vocab.txt beside model.onnx{said}", refused.Message);
    }
}
