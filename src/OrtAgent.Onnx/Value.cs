namespace OrtAgent.Onnx;

/// <summary>
/// A named tensor in a <see cref="Graph"/>: a graph input, an initializer (when <see cref="Initializer"/> is set),
/// or the output of <see cref="Producer"/>. Nodes refer to values by reference, so renaming one renames every use.
/// </summary>
public sealed class Value
{
    internal Value(string name, ElementType type = ElementType.Undefined, IReadOnlyList<Dim>? shape = null)
    {
        Name = name;
        Type = type;
        Shape = shape;
    }

    /// <summary>
    /// The name nodes and the model file know the value by. Setting it does not check that it is free in the graph; use
    /// <see cref="Graph.RenameValue"/> for that.
    /// </summary>
    public string Name { get; set; }

    /// <summary>The element type, or <see cref="ElementType.Undefined"/> until inferred.</summary>
    public ElementType Type { get; set; }

    /// <summary>The shape, or null while the rank is unknown.</summary>
    public IReadOnlyList<Dim>? Shape { get; set; }

    /// <summary>The constant data when this value is an initializer.</summary>
    public TensorData? Initializer { get; set; }

    /// <summary>The node computing this value; null for graph inputs and initializers.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Index of this value among <see cref="Producer"/>'s outputs.</summary>
    public int ProducerOutputIndex { get; internal set; }

    /// <summary>Set when the loaded model declared this intermediate value in <c>value_info</c>; such values are written back.</summary>
    public bool HasValueInfo { get; set; }

    /// <summary>The number of dimensions, or null while <see cref="Shape"/> is unknown; 0 for a scalar.</summary>
    public int? Rank => Shape?.Count;

    /// <summary>Whether the value is a constant initializer (<see cref="Initializer"/> is set).</summary>
    public bool IsInitializer => Initializer is not null;

    /// <summary><c>name: Type[dims]</c> for diagnostics; unknown parts print as <c>?</c>.</summary>
    public override string ToString() =>
        $"{Name}: {Type}[{(Shape is null ? "?" : string.Join(",", Shape))}]";
}
