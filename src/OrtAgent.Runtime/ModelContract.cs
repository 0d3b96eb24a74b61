using System.Globalization;
using System.Text.Json;

namespace OrtAgent.Runtime;

/// <summary>
/// What a model directory holds and what its files are called: the one definition of the names the exporter writes,
/// the trainer feeds and the runtime reads. A classifier directory is <see cref="ModelFile"/> plus
/// <see cref="VocabularyFile"/>, described either by OrtAgent metadata inside <c>model.onnx</c> (an OrtAgent export)
/// or by Hugging Face's <see cref="ConfigFile"/> and <see cref="TokenizerConfigFile"/> beside it (a model trained in
/// Python and exported to ONNX). <see cref="ReadInfo"/> reads either into one <see cref="ClassifierModelInfo"/>.
/// </summary>
public static class ModelContract
{
    /// <summary>The ONNX graph, in classifier and base-model directories alike.</summary>
    public const string ModelFile = "model.onnx";

    /// <summary>The WordPiece vocabulary beside <see cref="ModelFile"/>, one token per line, the line number its id.</summary>
    public const string VocabularyFile = "vocab.txt";

    /// <summary>
    /// The integrated-gradients graph beside <see cref="ModelFile"/> that explanations run (its inputs and outputs:
    /// <see cref="Explanations.ExplainGraphNames"/>); optional, written by <c>ModelExporter.Export</c>
    /// (<c>ExportOptions.WriteExplainGraph</c>) or <c>ModelExporter.AddExplainGraph</c> in OrtAgent.Training.
    /// </summary>
    public const string ExplainModelFile = "explain.onnx";

    /// <summary>Hugging Face model configuration: <c>id2label</c>, <c>problem_type</c>, <c>max_position_embeddings</c>.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>Hugging Face tokenizer configuration: <c>do_lower_case</c>, <c>model_max_length</c>.</summary>
    public const string TokenizerConfigFile = "tokenizer_config.json";

    /// <summary>Input: int64 token ids <c>[batch, sequence]</c>.</summary>
    public const string InputIds = "input_ids";

    /// <summary>Input: int64 mask <c>[batch, sequence]</c>, 1 for real tokens and 0 for padding.</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>Optional input: int64 segment ids <c>[batch, sequence]</c>, all 0 for one text.</summary>
    public const string TokenTypeIds = "token_type_ids";

    /// <summary>Classifier output: float logits <c>[batch, labels]</c>.</summary>
    public const string Logits = "logits";

    /// <summary>
    /// Classifier output: float probabilities <c>[batch, labels]</c> (softmax, or sigmoid for multi-label). Optional:
    /// the runtime computes them from <see cref="Logits"/> when a model lacks it, as Hugging Face exports do.
    /// </summary>
    public const string Probabilities = "probabilities";

    /// <summary>Base-model output: float token states <c>[batch, sequence, hidden]</c>.</summary>
    public const string LastHiddenState = "last_hidden_state";

    /// <summary>Metadata key: contract version, <see cref="CurrentFormat"/>.</summary>
    public const string FormatKey = "ortagent.format";

    /// <summary>Metadata key: JSON array of label names in output order.</summary>
    public const string LabelsKey = "ortagent.labels";

    /// <summary>Metadata key: the longest token sequence the tokenizer produces, [CLS] and [SEP] included.</summary>
    public const string MaxLengthKey = "ortagent.max_length";

    /// <summary>Metadata key: <c>true</c> when the tokenizer lower-cases and strips accents.</summary>
    public const string LowerCaseKey = "ortagent.lower_case";

    /// <summary>Metadata key: the base model fine-tuned.</summary>
    public const string BaseModelKey = "ortagent.base_model";

    /// <summary>Metadata key: <see cref="SingleLabel"/>, <see cref="MultiLabel"/> or <see cref="Regression"/>.</summary>
    public const string ProblemKey = "ortagent.problem";

    /// <summary>Metadata key: JSON object of the validation metrics recorded at export.</summary>
    public const string MetricsKey = "ortagent.metrics";

    /// <summary>Metadata key: <c>fp32</c> or <c>int8</c> (<see cref="ModelWeights"/>); exports before 2026-12-04 lack it.</summary>
    public const string WeightsKey = "ortagent.weights";

    /// <summary>Metadata key: the rows of the word-embedding table (<see cref="ClassifierModelInfo.VocabularySize"/>); exports before 2026-12-05 lack it.</summary>
    public const string VocabularySizeKey = "ortagent.vocabulary_size";

    /// <summary>Metadata key: the tokens of the <c>vocab.txt</c> the model was trained with (<see cref="ClassifierModelInfo.VocabularyTokens"/>); exports before 2026-12-06 lack it.</summary>
    public const string VocabularyTokensKey = "ortagent.vocabulary_tokens";

    /// <summary>Metadata key: the SHA-256 of the tokens of the <c>vocab.txt</c> the model was trained with (<see cref="ClassifierModelInfo.VocabularySha256"/>); exports before 2026-12-07 lack it.</summary>
    public const string VocabularySha256Key = "ortagent.vocabulary_sha256";

    /// <summary>The contract version this runtime writes under <see cref="FormatKey"/>.</summary>
    public const string CurrentFormat = "1";

    /// <summary>One label per text, probabilities by softmax.</summary>
    public const string SingleLabel = "single_label";

    /// <summary>Any number of labels per text, each probability by sigmoid.</summary>
    public const string MultiLabel = "multi_label";

    /// <summary>One number per output column; the "probabilities" are the raw outputs, with no softmax or sigmoid.</summary>
    public const string Regression = "regression";

    private const string MetadataPrefix = "ortagent.";

    /// <summary>
    /// Refuses label names no output could be told apart by: a name twice (one probability would hide the other, and
    /// eval would score a class that is not there), an empty one, or one holding a control character (a tab or a line
    /// break, which breaks tab-separated and line-based output).
    /// </summary>
    /// <exception cref="ModelLoadException">A name is repeated, empty, or holds a control character.</exception>
    internal static void CheckLabelNames(IReadOnlyList<string> labels, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            if (string.IsNullOrWhiteSpace(label)) throw new ModelLoadException($"{where}: a label name is empty");
            foreach (char c in label)
                if (char.IsControl(c)) throw new ModelLoadException($"{where}: a label name holds the control character U+{(int)c:X4}");
            if (!seen.Add(label)) throw new ModelLoadException($"{where}: the label '{label}' names two outputs; each label must be named once");
        }
    }

    /// <summary>
    /// Reads what a classifier directory says about its model: from the OrtAgent metadata of <c>model.onnx</c> when it
    /// has any, otherwise from the Hugging Face <see cref="ConfigFile"/> and <see cref="TokenizerConfigFile"/> in
    /// <paramref name="directory"/>. The max length it records is held against the rows of <c>model.onnx</c>'s
    /// position-embedding table, read from the graph: a longer one is refused, and a Hugging Face model whose files set
    /// no limit gets the table's rows as its max length.
    /// </summary>
    /// <param name="directory">The classifier directory.</param>
    /// <param name="metadata">The <c>metadata_props</c> of its <c>model.onnx</c>.</param>
    /// <exception cref="ModelLoadException">
    /// Neither description is there, or one is malformed or records a max length longer than the position table; the
    /// message names the file.
    /// </exception>
    public static ClassifierModelInfo ReadInfo(string directory, IReadOnlyDictionary<string, string> metadata) =>
        ReadInfoWithTable(directory, metadata, PositionTable.Rows(Path.Combine(directory, ModelFile)));

    /// <summary><see cref="ReadInfo"/> with the table's rows already read (null: the graph has none).</summary>
    internal static ClassifierModelInfo ReadInfoWithTable(string directory, IReadOnlyDictionary<string, string> metadata, int? positionRows)
    {
        var modelPath = Path.Combine(directory, ModelFile);
        if (HasOrtAgentMetadata(metadata))
        {
            var info = FromMetadata(metadata, modelPath);
            PositionTable.NoLongerThanTheTable(info.MaxLength, positionRows, modelPath, $"'{MaxLengthKey}'");
            return info;
        }
        if (File.Exists(Path.Combine(directory, ConfigFile)))
            return HuggingFaceConfig.Read(directory, positionRows);
        throw new ModelLoadException(
            $"{modelPath}: has no OrtAgent metadata and no {ConfigFile} beside it (neither an OrtAgent export nor a Hugging Face classifier)");
    }

    /// <summary>Whether <c>model.onnx</c>'s metadata is OrtAgent's, which its exports write (a model trained elsewhere has none).</summary>
    internal static bool HasOrtAgentMetadata(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Keys.Any(key => key.StartsWith(MetadataPrefix, StringComparison.Ordinal));

    /// <summary>The metadata entries that describe <paramref name="info"/>, for the exporter to write into <c>model.onnx</c>.</summary>
    public static Dictionary<string, string> ToMetadata(ClassifierModelInfo info)
    {
        var metadata = CoreMetadata(info);
        if (info.Weights is { } weights) metadata[WeightsKey] = NameOf(weights);
        if (info.VocabularySize is { } rows) metadata[VocabularySizeKey] = rows.ToString(CultureInfo.InvariantCulture);
        if (info.VocabularyTokens is { } tokens) metadata[VocabularyTokensKey] = tokens.ToString(CultureInfo.InvariantCulture);
        if (info.VocabularySha256 is { } digest) metadata[VocabularySha256Key] = digest;
        return metadata;
    }

    /// <summary>How <see cref="WeightsKey"/> and <c>/info</c> write <paramref name="weights"/>: <c>fp32</c> or <c>int8</c>.</summary>
    public static string NameOf(ModelWeights weights) => weights == ModelWeights.Int8 ? "int8" : "fp32";

    private static Dictionary<string, string> CoreMetadata(ClassifierModelInfo info) => new()
    {
        [FormatKey] = CurrentFormat,
        [LabelsKey] = JsonSerializer.Serialize(info.Labels.ToArray(), ClassifierMetadataJsonContext.Default.StringArray),
        [MaxLengthKey] = info.MaxLength.ToString(CultureInfo.InvariantCulture),
        [LowerCaseKey] = info.LowerCase ? "true" : "false",
        [BaseModelKey] = info.BaseModel,
        [ProblemKey] = info.Problem,
        [MetricsKey] = JsonSerializer.Serialize(new Dictionary<string, double>(info.Metrics), ClassifierMetadataJsonContext.Default.DictionaryStringDouble),
    };

    // A record that is a count (the table's rows, the vocabulary's tokens): absent is null, anything but a positive whole number is refused.
    private static int? PositiveCount(IReadOnlyDictionary<string, string> metadata, string key, string unit) =>
        metadata.TryGetValue(key, out var text)
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0
                ? count
                : throw new FormatException($"'{key}' is '{text}', not a positive count of {unit}")
            : null;

    /// <summary>
    /// The format key says how the rest is to be read: a newer exporter may give a key this build knows a meaning it does
    /// not, so a model of another format is refused before any of it is read, rather than served on a guess. Exports that
    /// lack the key are read as format 1, the only one there has been. <see cref="ModelFormatProbe"/> asks the same of a
    /// model file before its graph is loaded, since a newer model may be one this build cannot load.
    /// </summary>
    /// <exception cref="ModelLoadException"><paramref name="format"/> (null: none recorded) is not <see cref="CurrentFormat"/>.</exception>
    internal static void RefuseAnotherFormat(string? format, string modelPath)
    {
        if (format is null || format == CurrentFormat) return;
        throw new ModelLoadException(
            int.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out int version) && version > int.Parse(CurrentFormat, CultureInfo.InvariantCulture)
                ? $"{modelPath}: '{FormatKey}' is '{format}', a model format newer than this OrtAgent reads ({CurrentFormat}): "
                    + "use the newer OrtAgent that exported it, or train the model again with this one"
                : $"{modelPath}: malformed OrtAgent metadata: '{FormatKey}' is '{format}', not a model format this OrtAgent reads ({CurrentFormat})");
    }

    private static ClassifierModelInfo FromMetadata(IReadOnlyDictionary<string, string> metadata, string modelPath)
    {
        string Require(string key) => metadata.TryGetValue(key, out var v)
            ? v
            : throw new ModelLoadException($"{modelPath}: has no OrtAgent metadata '{key}' (was it exported by OrtAgent?)");
        RefuseAnotherFormat(metadata.GetValueOrDefault(FormatKey), modelPath);
        try
        {
            var labels = JsonSerializer.Deserialize(Require(LabelsKey), ClassifierMetadataJsonContext.Default.StringArray) ?? [];
            if (labels.Length == 0) throw new ModelLoadException($"{modelPath}: lists no labels");
            CheckLabelNames(labels, $"{modelPath}: {LabelsKey}");
            var metrics = metadata.TryGetValue(MetricsKey, out var m)
                ? JsonSerializer.Deserialize(m, ClassifierMetadataJsonContext.Default.DictionaryStringDouble) ?? []
                : [];
            return new ClassifierModelInfo(
                labels,
                int.TryParse(Require(MaxLengthKey), NumberStyles.Integer, CultureInfo.InvariantCulture, out int maxLength) && maxLength >= 2
                    ? maxLength
                    : throw new FormatException($"'{MaxLengthKey}' is '{metadata[MaxLengthKey]}', not a length of at least 2 (room for [CLS] and [SEP])"),
                bool.Parse(Require(LowerCaseKey)),
                metadata.GetValueOrDefault(BaseModelKey, "unknown"),
                metadata.GetValueOrDefault(ProblemKey, SingleLabel),
                metrics)
            {
                Weights = metadata.TryGetValue(WeightsKey, out var weights)
                    ? Enum.GetValues<ModelWeights>().Where(w => NameOf(w) == weights).Cast<ModelWeights?>().FirstOrDefault()
                        ?? throw new FormatException($"'{WeightsKey}' is '{weights}', neither 'fp32' nor 'int8'")
                    : null,
                VocabularySize = PositiveCount(metadata, VocabularySizeKey, "rows"),
                VocabularyTokens = PositiveCount(metadata, VocabularyTokensKey, "tokens"),
                VocabularySha256 = metadata.TryGetValue(VocabularySha256Key, out var digest)
                    ? VocabularyFit.IsDigest(digest) ? digest : throw new FormatException($"'{VocabularySha256Key}' is '{digest}', not a SHA-256 (64 lower-case hex digits)")
                    : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException)
        {
            throw new ModelLoadException($"{modelPath}: malformed OrtAgent metadata: {ex.Message}", ex);
        }
    }
}
