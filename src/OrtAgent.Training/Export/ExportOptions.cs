using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Training.Export;

/// <summary>What goes into an exported model besides the weights: tokenizer settings, provenance, metrics, a card.</summary>
public sealed class ExportOptions
{
    /// <summary>
    /// The longest token sequence the runtime tokenizes to, [CLS] and [SEP] included: at least 2, and at most the base
    /// model's positions. Null takes the length the artifacts record (<see cref="TrainingProperties.MaxLength"/>, what the
    /// trainer tokenized to), or <see cref="FallbackMaxLength"/> (capped at the positions) for artifacts that record none.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// Whether the runtime lower-cases and strips accents. Null takes what the artifacts record
    /// (<see cref="TrainingProperties.LowerCase"/>), or else what their vocabulary says (an uncased one holds no capitals).
    /// </summary>
    public bool? LowerCase { get; init; }

    /// <summary>
    /// A short name of the base model (<c>minilm</c>) recorded in the metadata. Null takes the name the artifacts record
    /// (<see cref="TrainingProperties.BaseModelName"/>), or else the base model's file or directory name.
    /// </summary>
    public string? BaseModelName { get; init; }

    /// <summary>The <see cref="MaxLength"/> of artifacts that record none.</summary>
    public const int FallbackMaxLength = 128;

    /// <summary>Validation metrics recorded in the metadata; each a finite number, as JSON has no NaN or infinity.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Store MatMul weights and embedding tables as int8 (CPU inference; about 4× smaller).</summary>
    public bool QuantizeInt8 { get; init; }

    /// <summary>
    /// Also write <c>explain.onnx</c>, the integrated-gradients graph that
    /// <c>TextClassifier.Explain</c> (OrtAgent.Runtime) runs. It is built from the fp32 weights even for int8 exports.
    /// </summary>
    public bool WriteExplainGraph { get; init; } = true;

    /// <summary>Markdown written as the model card <c>README.md</c>; null writes a card from the metadata alone.</summary>
    public string? ModelCard { get; init; }

    /// <summary>Sections, by title, of the card written from the metadata when <see cref="ModelCard"/> is null (what the artifacts say of the model's making).</summary>
    public IReadOnlyDictionary<string, string> CardSections { get; init; } = new Dictionary<string, string>();

    /// <summary>More files copied into the export, by file name → source path (training metrics, charts).</summary>
    public IReadOnlyDictionary<string, string> ExtraFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Writes more files into the export, given the directory being written: the destination's temporary sibling,
    /// renamed into place with the model. For files made for this export alone (a run's log trimmed to the exported
    /// step, its chart drawn from that): made there, they never lie anywhere else, and an export killed meanwhile leaves
    /// them where the next write's sweep of dead writers' leftovers removes them. Called after <see cref="ExtraFiles"/>
    /// are copied; null writes none.
    /// </summary>
    public Action<string>? ExtraFilesWriter { get; init; }

    /// <summary>
    /// The weights, in bytes, above which <c>explain.onnx</c> is saved with its weights in <c>explain.onnx.data</c>:
    /// <see cref="ModelSaveOptions.InlineLimitBytes"/>, past which one protobuf message cannot hold them; a test's is small
    /// enough to reach.
    /// </summary>
    internal long ExplainGraphInlineLimitBytes { get; init; } = ModelSaveOptions.InlineLimitBytes;

    /// <summary>Checks the values that need no model; the first bad one is an <see cref="InvalidOptionException"/> naming its property.</summary>
    public void Validate()
    {
        if (MaxLength is < 2)
            throw new InvalidOptionException(InvalidOptionException.Name<ExportOptions>(nameof(MaxLength)), MaxLength, "must be at least 2, to hold [CLS] and [SEP]");
        foreach (var (name, value) in Metrics)
            if (!double.IsFinite(value))
                throw new InvalidOptionException(InvalidOptionException.Name<ExportOptions>(nameof(Metrics)), value,
                    $"the metric '{name}' must be a finite number; the model's JSON metadata cannot record it");
    }
}
