namespace OrtAgent.Onnx;

/// <summary>
/// Infers element types and shapes of node outputs, keeping symbolic dims (<c>batch</c>, <c>sequence</c>) symbolic.
/// Small integer tensors that describe shapes (<c>Shape → Gather → Unsqueeze → Concat</c>) are evaluated symbolically
/// on the side, so a Reshape whose target is computed at run time still gets a precise shape.
/// Each op type has one small rule in <see cref="ShapeRules"/>; an op without one is an error naming it.
/// </summary>
/// <remarks>
/// An instance remembers the contents it derived, so a builder that appends nodes after <see cref="Run"/>
/// can call <see cref="InferNode"/> on each new node and keep the same precision.
/// </remarks>
public sealed class ShapeInference
{
    /// <summary>Integer tensors with more elements than this are shapes of nothing; their contents are not tracked.</summary>
    private const long MaxTrackedElements = 64;

    private readonly Dictionary<Value, IReadOnlyList<Dim>> _contents = new();

    private ShapeInference(Graph graph) => Graph = graph;

    /// <summary>The graph whose values this instance annotates.</summary>
    public Graph Graph { get; }

    /// <summary>
    /// Infers every node of <paramref name="graph"/> in its current order (which must be topological, as ONNX files are)
    /// and returns the inference state for incremental use.
    /// </summary>
    /// <exception cref="InvalidOperationException">A node has no rule or its inputs are inconsistent; the message names it.</exception>
    public static ShapeInference Run(Graph graph)
    {
        var inference = new ShapeInference(graph);
        foreach (var node in graph.Nodes) inference.InferNode(node);
        return inference;
    }

    /// <summary>An inference state for <paramref name="graph"/> that has inferred nothing yet (for graphs built node by node).</summary>
    public static ShapeInference For(Graph graph) => new(graph);

    // ONNX Runtime contrib ops that OrtAgent's own transforms emit and whose shapes follow the default-domain op of that name.
    private static bool SharesDefaultSemantics(Node node) =>
        node.Domain.Length == 0 || (node.Domain == "com.microsoft" && node.OpType == "Gelu");

    /// <summary>Sets the type and shape of <paramref name="node"/>'s outputs from its inputs, which must be inferred already.</summary>
    /// <exception cref="InvalidOperationException">No rule exists for the node's op type, or its inputs are inconsistent.</exception>
    public void InferNode(Node node)
    {
        if (!SharesDefaultSemantics(node) || !ShapeRules.All.TryGetValue(node.OpType, out var rule))
            throw new InvalidOperationException(
                $"No shape rule for op '{(node.Domain.Length == 0 ? "" : node.Domain + ".")}{node.OpType}' (node '{node.Name}').");
        try
        {
            rule(new ShapeRuleContext(this, node));
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Shape inference failed at {node.Describe()}: {ex.Message}.", ex);
        }
    }

    /// <summary>
    /// The elements of <paramref name="value"/> when it is a small integer tensor whose contents are known,
    /// possibly symbolically (the result of <c>Shape(x)</c> is <c>[batch, sequence, 384]</c>); otherwise null.
    /// </summary>
    public IReadOnlyList<Dim>? ContentsOf(Value value)
    {
        if (_contents.TryGetValue(value, out var known)) return known;
        if (value.Initializer is { } data && IsTrackable(data)) return _contents[value] = data.ToInt64s().Select(Dim.Known).ToArray();
        return null;
    }

    internal void SetContents(Value value, IReadOnlyList<Dim> contents) => _contents[value] = contents;

    internal static bool IsTrackable(TensorData data) =>
        data.Type is ElementType.Int64 or ElementType.Int32 && data.ElementCount <= MaxTrackedElements && data.Rank <= 1;

    /// <summary>
    /// Writes an inferred type and shape, keeping what the model declared where inference knows less
    /// (an exporter's named dim survives an unknown; a known size replaces an exporter's made-up symbol).
    /// </summary>
    internal static void Assign(Value value, ElementType type, IReadOnlyList<Dim>? shape)
    {
        if (type != ElementType.Undefined) value.Type = type;
        if (shape is null) return;
        if (value.Shape is { } declared && declared.Count == shape.Count)
            shape = shape.Select((d, i) => d.IsKnown || d.Symbol is not null ? d : declared[i]).ToArray();
        value.Shape = shape;
    }
}
