using System.Globalization;
using System.Text;

namespace OrtAgent.Runtime;

/// <summary>
/// What a classifier directory says about its model: labels in output order, tokenizer settings, provenance and
/// metrics. <see cref="ModelContract.ReadInfo"/> reads it from either layout; <see cref="ModelContract.ToMetadata"/>
/// writes it into an export.
/// </summary>
/// <param name="Labels">Label names in the order of the model's output columns.</param>
/// <param name="MaxLength">The longest token sequence the tokenizer produces, [CLS] and [SEP] included: of a loaded
/// <see cref="TextClassifier"/>, the length it cuts texts at, <see cref="TextClassifierOptions.MaxLength"/> where that is set.</param>
/// <param name="LowerCase">Whether the tokenizer lower-cases (and, unless <see cref="StripAccents"/> says otherwise, strips accents).</param>
/// <param name="BaseModel">The base model fine-tuned, or the Hugging Face model's name.</param>
/// <param name="Problem"><see cref="ModelContract.SingleLabel"/>, <see cref="ModelContract.MultiLabel"/> or <see cref="ModelContract.Regression"/>.</param>
/// <param name="Metrics">Validation metrics recorded at export; empty for a Hugging Face model.</param>
public sealed record ClassifierModelInfo(
    IReadOnlyList<string> Labels,
    int MaxLength,
    bool LowerCase,
    string BaseModel,
    string Problem,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>
    /// How the weights are stored, as the export records it; null when it records nothing: an OrtAgent export before
    /// 2026-12-04 (fp32 or int8) or a Hugging Face model.
    /// </summary>
    public ModelWeights? Weights { get; init; }

    /// <summary>
    /// The rows of the model's word-embedding table: every token id of <c>vocab.txt</c> must be below it. Null when the
    /// model does not record it: an OrtAgent export before 2026-12-05, or a Hugging Face <c>config.json</c> without
    /// <c>vocab_size</c>.
    /// </summary>
    public int? VocabularySize { get; init; }

    /// <summary>
    /// Whether the tokenizer strips accents; null (every OrtAgent export) when it does exactly when it lower-cases. A
    /// Hugging Face model's <c>tokenizer_config.json</c> may say otherwise with <c>strip_accents</c>.
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>
    /// Whether the tokenizer sets each CJK ideograph apart as a word (true for every OrtAgent export); a Hugging Face
    /// model's <c>tokenizer_config.json</c> may turn it off with <c>tokenize_chinese_chars</c>.
    /// </summary>
    public bool IndividuallyTokenizeCjk { get; init; } = true;

    /// <summary>
    /// The tokens of the <c>vocab.txt</c> the model was trained with (<see cref="Text.BertTextEncoder.CountVocabularyTokens(string)"/>): the
    /// <c>vocab.txt</c> beside it must hold exactly as many. <see cref="VocabularySize"/> cannot say that much, since a
    /// table may have rows no token uses (NVIDIA's BERT pads 30522 tokens to 30528 rows). Null when the model does not
    /// record it: an OrtAgent export before 2026-12-06, or a Hugging Face model.
    /// </summary>
    public int? VocabularyTokens { get; init; }

    /// <summary>
    /// The SHA-256 of the tokens of the <c>vocab.txt</c> the model was trained with, lower-case hex: each token's UTF-8
    /// bytes and a line feed, in id order, up to the last token (so line endings, a byte-order mark and blank lines at the
    /// end do not count). The <c>vocab.txt</c> beside the model must hash to it: another vocabulary of the same size, or
    /// one reordered by hand, would pass <see cref="VocabularyTokens"/> and give every text the wrong ids. Null when the
    /// model does not record it: an OrtAgent export before 2026-12-07, or a Hugging Face model.
    /// </summary>
    public string? VocabularySha256 { get; init; }

    /// <summary>
    /// The max length the model's files record, where <see cref="MaxLength"/> is shorter: a graph whose inputs fix a
    /// shorter sequence length (a static export keeps its source's record, config.json's 512 over inputs fixed at 128)
    /// cuts texts at that length, which <see cref="MaxLength"/> then is (<see cref="ModelMaxLength"/>, where
    /// <see cref="TextClassifierOptions.MaxLength"/> set another). Null where the model's own length is the record.
    /// </summary>
    public int? RecordedMaxLength { get; init; }

    /// <summary>
    /// The length the model cuts texts at by itself (its record, held to the sequence length its inputs fix), where
    /// <see cref="TextClassifierOptions.MaxLength"/> set another that <see cref="MaxLength"/> then is; null where
    /// <see cref="MaxLength"/> is the model's own.
    /// </summary>
    public int? ModelMaxLength { get; init; }

    // The record's own ToString printed the labels and metrics by their types: "Labels = System.String[]".
    private bool PrintMembers(StringBuilder builder)
    {
        string labels = Labels is null ? "null" : $"[{string.Join(", ", Labels)}]";
        string metrics = Metrics is null ? "null" : $"{{ {string.Join(", ", Metrics.Select(m => $"{m.Key} = {NumberText.Of(m.Value)}"))} }}";
        builder.Append(CultureInfo.InvariantCulture,
            $"Labels = {labels}, MaxLength = {MaxLength}, LowerCase = {LowerCase}, BaseModel = {BaseModel}, Problem = {Problem}, Metrics = {metrics}, " +
            $"Weights = {Weights}, VocabularySize = {VocabularySize}, VocabularyTokens = {VocabularyTokens}, VocabularySha256 = {VocabularySha256}, RecordedMaxLength = {RecordedMaxLength}, ModelMaxLength = {ModelMaxLength}");
        return true;
    }
}
