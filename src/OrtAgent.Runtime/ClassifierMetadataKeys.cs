namespace OrtAgent.Runtime;

/// <summary>
/// Keys of the <c>metadata_props</c> an exported OrtAgent <c>model.onnx</c> carries. The exporter writes them and
/// <see cref="TextClassifier"/> reads them, so this class is the one definition of the exported-model contract.
/// </summary>
public static class ClassifierMetadataKeys
{
    /// <summary>Contract version, currently <c>1</c>.</summary>
    public const string Format = "ortagent.format";

    /// <summary>JSON array of label names in output order.</summary>
    public const string Labels = "ortagent.labels";

    public const string MaxLength = "ortagent.max_length";

    /// <summary><c>true</c> when the tokenizer lower-cases and strips accents.</summary>
    public const string LowerCase = "ortagent.lower_case";

    public const string BaseModel = "ortagent.base_model";

    /// <summary><c>single_label</c>, <c>multi_label</c> or <c>regression</c>.</summary>
    public const string Problem = "ortagent.problem";

    /// <summary>JSON object of the validation metrics recorded at export.</summary>
    public const string Metrics = "ortagent.metrics";

    /// <summary>Name of the logits output.</summary>
    public const string LogitsOutput = "logits";

    /// <summary>Name of the probabilities output (softmax, or sigmoid for multi-label).</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>The vocabulary file expected beside <c>model.onnx</c>.</summary>
    public const string VocabularyFile = "vocab.txt";

    public const string ModelFile = "model.onnx";

    public const string CurrentFormat = "1";
}
