using OrtAgent.Onnx;

namespace OrtAgent.Training.Checkpoints;

/// <summary>The contents of a safetensors file: tensors in file order, plus the header's string metadata.</summary>
public sealed class SafeTensorsFile
{
    internal SafeTensorsFile(IReadOnlyList<KeyValuePair<string, TensorData>> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
    }

    private readonly Dictionary<string, TensorData> _byName;

    /// <summary>Tensors in the order of their data in the file.</summary>
    public IReadOnlyList<KeyValuePair<string, TensorData>> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> strings; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names in file order.</summary>
    public IEnumerable<string> Names => Tensors.Select(t => t.Key);

    /// <summary>Whether a tensor is named exactly <paramref name="name"/> (ordinal).</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public TensorData this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"The safetensors file has no tensor '{name}'.");
}
