using OrtAgent.Onnx;

namespace OrtAgent.Training.Adapters;

/// <summary>
/// An adapter read back from a <see cref="PeftAdapter"/> directory: its settings, its tensors under OrtAgent's names and
/// layout (<c>M.lora_A</c> <c>[in, r]</c>, <c>M.lora_B</c> <c>[r, out]</c>, <c>classifier.weight</c> <c>[hidden, labels]</c>),
/// and what OrtAgent recorded beside them when it wrote the adapter (null for an adapter written elsewhere).
/// </summary>
public sealed record LoraAdapter
{
    /// <summary>The adapter's rank, α, dropout and targets, read from <c>adapter_config.json</c>.</summary>
    public required LoraOptions Options { get; init; }

    /// <summary>
    /// The adapter tensors and the classifier head by OrtAgent name, already transposed into OrtAgent's [in, out] layout
    /// (see the type's summary); shared, not copied.
    /// </summary>
    public required IReadOnlyDictionary<string, TensorData> Tensors { get; init; }

    /// <summary>Label names in output order.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>SHA-256 of the base <c>model.onnx</c> the adapter was trained on.</summary>
    public string? BaseSha256 { get; init; }

    /// <summary>The base model's short name (<c>minilm</c>).</summary>
    public string? BaseModelName { get; init; }

    /// <summary>How the head read the encoder (its pooling, and whether the embeddings were normalised).</summary>
    public Heads.ExportedHead? Head { get; init; }
}
