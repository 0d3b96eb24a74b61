namespace OrtAgent.Onnx;

/// <summary>One operator application. Missing optional inputs are null entries in <see cref="Inputs"/>.</summary>
public sealed class Node
{
    internal Node(string opType, string domain, string name)
    {
        OpType = opType;
        Domain = domain;
        Name = name;
    }

    public string OpType { get; }

    /// <summary>The operator domain; empty for the default ONNX domain.</summary>
    public string Domain { get; }

    public string Name { get; set; }

    public List<Value?> Inputs { get; } = [];

    public List<Value> Outputs { get; } = [];

    public Dictionary<string, AttributeValue> Attributes { get; } = new(StringComparer.Ordinal);

    public string? DocString { get; set; }

    /// <summary>The input at <paramref name="index"/>, or null when absent or beyond the given inputs.</summary>
    public Value? Input(int index) => index < Inputs.Count ? Inputs[index] : null;

    public long IntAttribute(string name, long defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? a.AsInt() : defaultValue;

    public float FloatAttribute(string name, float defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? a.AsFloat() : defaultValue;

    public string StringAttribute(string name, string defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? a.AsString() : defaultValue;

    public IReadOnlyList<long>? IntsAttribute(string name) =>
        Attributes.TryGetValue(name, out var a) ? a.AsInts() : null;

    /// <summary>A short description for error messages: <c>MatMul node 'name'</c>.</summary>
    public string Describe() => $"{(Domain.Length == 0 ? "" : Domain + ".")}{OpType} node '{Name}'";

    public override string ToString() =>
        $"{Describe()}({string.Join(", ", Inputs.Select(i => i?.Name ?? ""))}) -> {string.Join(", ", Outputs.Select(o => o.Name))}";
}
