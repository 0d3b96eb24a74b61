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

    /// <summary>The operator name within <see cref="Domain"/>, such as <c>MatMul</c>.</summary>
    public string OpType { get; }

    /// <summary>The operator domain; empty for the default ONNX domain.</summary>
    public string Domain { get; }

    /// <summary>The node's name, unique in its graph when created; setting it does not check uniqueness.</summary>
    public string Name { get; set; }

    /// <summary>The inputs in operator order; a null entry is an omitted optional input (written as an empty name).</summary>
    public List<Value?> Inputs { get; } = [];

    /// <summary>
    /// The outputs in operator order; each has this node as <see cref="Value.Producer"/>. Add through
    /// <see cref="Graph.AddNodeOutput"/>, which sets the producer.
    /// </summary>
    public List<Value> Outputs { get; } = [];

    /// <summary>The attributes by ONNX name (ordinal comparison); an absent key means the operator's default.</summary>
    public Dictionary<string, AttributeValue> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Free-text documentation stored with the node; null writes none.</summary>
    public string? DocString { get; set; }

    /// <summary>The input at <paramref name="index"/>, or null when absent or beyond the given inputs.</summary>
    public Value? Input(int index) => index < Inputs.Count ? Inputs[index] : null;

    /// <summary>The attribute <paramref name="name"/>, or <paramref name="defaultValue"/> when the node does not set it.</summary>
    /// <exception cref="InvalidOperationException">The attribute is set but is not an integer.</exception>
    public long IntAttribute(string name, long defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? a.AsInt() : defaultValue;

    /// <summary>The attribute <paramref name="name"/>, or <paramref name="defaultValue"/> when the node does not set it.</summary>
    /// <exception cref="InvalidOperationException">The attribute is set but is not a float.</exception>
    public float FloatAttribute(string name, float defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? a.AsFloat() : defaultValue;

    /// <summary>The attribute <paramref name="name"/>, or <paramref name="defaultValue"/> when the node does not set it.</summary>
    /// <exception cref="InvalidOperationException">The attribute is set but is not a string.</exception>
    public string StringAttribute(string name, string defaultValue) =>
        Attributes.TryGetValue(name, out var a) ? a.AsString() : defaultValue;

    /// <summary>The integer-list attribute <paramref name="name"/>, or null when the node does not set it.</summary>
    /// <exception cref="InvalidOperationException">The attribute is set but is not a list of integers.</exception>
    public IReadOnlyList<long>? IntsAttribute(string name) =>
        Attributes.TryGetValue(name, out var a) ? a.AsInts() : null;

    /// <summary>A short description for error messages: <c>MatMul node 'name'</c>.</summary>
    public string Describe() => $"{(Domain.Length == 0 ? "" : Domain + ".")}{OpType} node '{Name}'";

    /// <summary><see cref="Describe"/> followed by input and output names, for diagnostics.</summary>
    public override string ToString() =>
        $"{Describe()}({string.Join(", ", Inputs.Select(i => i?.Name ?? ""))}) -> {string.Join(", ", Outputs.Select(o => o.Name))}";
}
