namespace OrtAgent.Onnx;

/// <summary>
/// What a <see cref="ShapeRule"/> sees of one node: its inputs' types, shapes and (for small integer tensors)
/// contents, and where to write its outputs. The vocabulary mirrors onnxruntime's gradient builders:
/// <c>Shape(i)</c>, <c>Type(i)</c> and <c>Contents(i)</c> of input i; <c>SetOutput(i, …)</c> for output i.
/// </summary>
internal sealed class ShapeRuleContext
{
    private readonly ShapeInference _inference;

    public ShapeRuleContext(ShapeInference inference, Node node)
    {
        _inference = inference;
        Node = node;
    }

    public Node Node { get; }

    public long OpsetVersion => _inference.Graph.OpsetVersion;

    public int InputCount => Node.Inputs.Count;

    public bool HasInput(int i) => Node.Input(i) is not null;

    public ElementType Type(int i) => Node.Input(i)?.Type ?? ElementType.Undefined;

    public IReadOnlyList<Dim>? Shape(int i) => Node.Input(i)?.Shape;

    public int? Rank(int i) => Shape(i)?.Count;

    /// <summary>The known contents of input <paramref name="i"/> when it is a small integer tensor (a shape, axes, an index).</summary>
    public IReadOnlyList<Dim>? Contents(int i) => Node.Input(i) is { } v ? _inference.ContentsOf(v) : null;

    /// <summary>The contents of input <paramref name="i"/> when every element is a known number.</summary>
    public long[]? Ints(int i) =>
        Contents(i) is { } c && c.All(d => d.IsKnown) ? c.Select(d => d.Value!.Value).ToArray() : null;

    /// <summary>
    /// Axes given as the <paramref name="attribute"/> attribute (older opsets) or as input <paramref name="input"/> (newer);
    /// null when neither is present or the input is not a constant.
    /// </summary>
    public long[]? AttributeOrInputInts(string attribute, int input) =>
        Node.IntsAttribute(attribute)?.ToArray() ?? (HasInput(input) ? Ints(input) : null);

    public long Int(string name, long defaultValue) => Node.IntAttribute(name, defaultValue);

    /// <summary>Normalizes a possibly negative axis against <paramref name="rank"/>, failing when out of range.</summary>
    public int Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : throw Fail($"axis {axis} is out of range for rank {rank}");
    }

    public void SetOutput(int i, ElementType type, IReadOnlyList<Dim>? shape)
    {
        if (i < Node.Outputs.Count) ShapeInference.Assign(Node.Outputs[i], type, shape);
    }

    /// <summary>Records the contents of output <paramref name="i"/> for later shape computations that read it.</summary>
    public void SetContents(int i, IReadOnlyList<Dim>? contents)
    {
        if (contents is not null && i < Node.Outputs.Count) _inference.SetContents(Node.Outputs[i], contents);
    }

    /// <summary>Output 0 takes input 0's type and shape (elementwise unary ops).</summary>
    public void SameAsInput() => SetOutput(0, Type(0), Shape(0));

    /// <summary>An unknown shape of known rank.</summary>
    public static Dim[] UnknownDims(int rank) => Enumerable.Repeat(Dim.Unknown, rank).ToArray();

    public InvalidOperationException Fail(string reason) =>
        new($"Shape inference failed at {Node.Describe()}: {reason}.");
}
