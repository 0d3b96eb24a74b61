namespace OrtAgent.Training.Export;

/// <summary>What goes into an exported model besides the weights: tokenizer settings, provenance, metrics, a card.</summary>
public sealed class ExportOptions
{
    /// <summary>Maximum sequence length the runtime tokenizes to.</summary>
    public int MaxLength { get; init; } = 128;

    public bool LowerCase { get; init; } = true;

    /// <summary>A short name of the base model (<c>minilm</c>) recorded in the metadata.</summary>
    public string BaseModelName { get; init; } = "unknown";

    /// <summary>Validation metrics recorded in the metadata.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Store MatMul weights and embedding tables as int8 (CPU inference; about 4× smaller).</summary>
    public bool QuantizeInt8 { get; init; }

    /// <summary>
    /// Also write <c>explain.onnx</c>, the integrated-gradients graph <c>ortagent explain</c> and
    /// <c>TextClassifier.Explain</c> run. It is built from the fp32 weights even for int8 exports.
    /// </summary>
    public bool WriteExplainGraph { get; init; } = true;

    /// <summary>Markdown written as the model card <c>README.md</c>; null writes a card from the metadata alone.</summary>
    public string? ModelCard { get; init; }

    /// <summary>Sections, by title, of the card written from the metadata when <see cref="ModelCard"/> is null (what the artifacts say of the model's making).</summary>
    public IReadOnlyDictionary<string, string> CardSections { get; init; } = new Dictionary<string, string>();

    /// <summary>More files copied into the export, by file name → source path (training metrics, charts).</summary>
    public IReadOnlyDictionary<string, string> ExtraFiles { get; init; } = new Dictionary<string, string>();
}
