using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff;

/// <summary>
/// State shared by the rules of one <see cref="GradientBuilder.Build"/> call: the graph, local type and rank facts,
/// and caches that keep the backward graph free of duplicate Shape nodes and constants.
/// </summary>
internal sealed class BackwardState
{
    // Ops whose output is the broadcast of all their inputs: the "inputs share one shape" shortcut applies.
    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
        { "Add", "Sub", "Mul", "Div", "Pow", "Where", "Max", "Min", "Sum", "Mean" };

    private readonly Dictionary<Value, Value> _shapes = new();
    private readonly Dictionary<(ElementType, double), Value> _scalars = new();
    private readonly Dictionary<string, Value> _ints = new(StringComparer.Ordinal);
    private int _observed;

    public BackwardState(Graph graph)
    {
        Graph = graph;
        Facts = new ValueFacts();
    }

    public Graph Graph { get; }

    public ValueFacts Facts { get; }

    /// <summary>Records types and ranks of every node appended since the last call.</summary>
    public void ObserveNewNodes()
    {
        var nodes = Graph.Nodes;
        for (; _observed < nodes.Count; _observed++)
        {
            var node = nodes[_observed];
            Facts.Observe(node);
            foreach (var output in node.Outputs)
                if (output.Type == ElementType.Undefined && IsBackward) output.Type = Facts.TypeOf(output);
        }
    }

    /// <summary>Index of the first backward node; set once the forward graph has been observed.</summary>
    public int BackwardStart { get; set; } = int.MaxValue;

    /// <summary>Whether the node being observed was appended by the backward pass.</summary>
    private bool IsBackward => _observed >= BackwardStart;

    public Value Scalar(ElementType type, double value)
    {
        if (!_scalars.TryGetValue((type, value), out var v))
            _scalars[(type, value)] = v = Graph.Constant(TensorData.ScalarOf(type, value), "grad_scalar");
        return v;
    }

    public Value Ints(params long[] values)
    {
        var key = string.Join(",", values);
        if (!_ints.TryGetValue(key, out var v)) _ints[key] = v = Graph.Constant(TensorData.Vector(values), "grad_ints");
        return v;
    }

    public static long[]? StaticShape(Value v) =>
        v.Shape is { } s && s.All(d => d.IsKnown) ? s.Select(d => d.Value!.Value).ToArray()
        : v.Initializer?.Dims.ToArray();

    public Value ShapeOf(Value v)
    {
        if (_shapes.TryGetValue(v, out var shape)) return shape;
        shape = StaticShape(v) is { } dims ? Ints(dims) : Graph.Shape(v);
        return _shapes[v] = shape;
    }

    public Value ZerosLike(Value v, ElementType type) => Graph.ConstantOfShape(ShapeOf(v), TensorData.ScalarOf(type, 0));

    /// <summary>
    /// Sums <paramref name="grad"/>, shaped like <paramref name="node"/>'s output, down to <paramref name="input"/>'s shape.
    /// The last <paramref name="matrixAxes"/> axes of the input are not broadcast axes (2 for MatMul, whose operands'
    /// matrix dims differ from the output's without any broadcasting).
    /// </summary>
    public Value SumToShape(Value grad, Value input, Node node, int matrixAxes = 0)
    {
        if (Broadcasting.Contains(node.OpType) && ShareOneShape(node)) return grad;
        var dims = StaticShape(input);
        int? inputRank = Facts.RankOf(input);
        // Every caller passes a gradient shaped like the node's (broadcast) output.
        int? gradRank = Facts.RankOf(node.Outputs[0]) ?? Facts.RankOf(grad);
        if (inputRank == 0)
            return Graph.Op("ReduceSum", [grad], Graph.Attrs(("keepdims", 0L)));
        if (StaticReduction(input, node.Outputs[0], matrixAxes) is var (leadingAxes, onesAxes))
        {
            var summed = leadingAxes.Length > 0 ? Graph.ReduceSum(grad, Ints(leadingAxes), keepDims: false) : grad;
            return onesAxes.Length > 0 ? Graph.ReduceSum(summed, Ints(onesAxes), keepDims: true) : summed;
        }
        if (dims is not null && !dims.Contains(1))
        {
            // Without size-1 dims, broadcasting can only have added leading axes.
            if (gradRank is int gr)
                return gr == dims.Length ? grad : Graph.ReduceSum(grad, Ints(Range(0, gr - dims.Length)), keepDims: false);
            return Graph.ReduceSum(Graph.Reshape(grad, Ints([-1, .. dims])), Ints(0), keepDims: false);
        }
        if (inputRank is int xr && gradRank is int r)
        {
            var leading = r > xr ? Graph.ReduceSum(grad, Ints(Range(0, r - xr)), keepDims: false) : grad;
            if (dims is not null)
            {
                var ones = Enumerable.Range(0, dims.Length).Where(i => dims[i] == 1).Select(i => (long)i).ToArray();
                return Graph.ReduceSum(leading, Ints(ones), keepDims: true);
            }
            // Axes where the input has size 1 are the broadcast ones (summing a size-1 output axis is harmless).
            return Graph.ReduceSum(leading, OnesAxes(ShapeOf(input), null), keepDims: true, noopWithEmptyAxes: true);
        }
        // Ranks unknown: leading axes are Range(0, rank(grad) - rank(input)), the rest are the input's size-1 axes.
        var inputShape = ShapeOf(input);
        var lead = Graph.Sub(Graph.Size(Graph.Shape(grad)), Graph.Size(inputShape));
        var leadAxes = Graph.Range(Scalar(ElementType.Int64, 0), lead, Scalar(ElementType.Int64, 1));
        var axes = Graph.Concat(0, leadAxes, OnesAxes(inputShape, lead));
        return Graph.Reshape(Graph.ReduceSum(grad, axes, keepDims: true, noopWithEmptyAxes: true), inputShape);
    }

    /// <summary>
    /// The axes to sum when every broadcast axis of <paramref name="input"/> (all but the last
    /// <paramref name="matrixAxes"/>) is either the same dim as <paramref name="output"/>'s (the same size, or the same
    /// symbol, which shape inference gives only to equal sizes) or a known 1; null when some axis can only be told at
    /// run time. Without this, a symbolic [batch, 12, seq, seq] input of an Add with a [batch, 1, 1, seq] mask paid a
    /// run-time axes computation and a no-op ReduceSum copy of the attention scores, and so did both operands of the
    /// attention MatMuls.
    /// </summary>
    private static (long[] Leading, long[] Ones)? StaticReduction(Value input, Value output, int matrixAxes)
    {
        var x = DimsOf(input);
        var y = output.Shape;
        if (x is null || y is null || x.Count > y.Count || x.Count < matrixAxes) return null;
        int lead = y.Count - x.Count;
        var ones = new List<long>();
        for (int i = 0; i < x.Count - matrixAxes; i++)
        {
            var (a, b) = (x[i], y[lead + i]);
            if (a == b && (a.IsKnown || a.Symbol is not null)) continue;
            if (a.Value == 1) ones.Add(i);
            else return null;
        }
        return (Range(0, lead), ones.ToArray());
    }

    private Value OnesAxes(Value shape, Value? offset)
    {
        var axes = Graph.Reshape(Graph.NonZero(Graph.Equal(shape, Ints(1))), Ints(-1));
        return offset is null ? axes : Graph.Add(axes, offset);
    }

    private static bool ShareOneShape(Node node)
    {
        IReadOnlyList<Dim>? first = null;
        foreach (var input in node.Inputs)
        {
            if (input is null) continue;
            var shape = DimsOf(input);
            if (shape is null || shape.Any(d => !d.IsKnown && d.Symbol is null)) return false;
            if (first is null) first = shape;
            else if (!first.SequenceEqual(shape)) return false;
        }
        return true;
    }

    private static IReadOnlyList<Dim>? DimsOf(Value v) => v.Shape ?? v.Initializer?.Dims.Select(Dim.Known).ToArray();

    private static long[] Range(int start, int end) => Enumerable.Range(start, end - start).Select(i => (long)i).ToArray();
}
