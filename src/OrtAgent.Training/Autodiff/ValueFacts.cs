using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff;

/// <summary>
/// Element types and ranks the gradient rules need, worked out locally from declared shapes, constants and
/// op semantics (no full shape inference: anything unclear stays unknown and the rules fall back to run-time
/// shape ops). Nodes are observed in topological order, forward nodes first, then each batch of backward nodes.
/// </summary>
internal sealed class ValueFacts
{
    private static readonly HashSet<string> Boolean = new(StringComparer.Ordinal)
        { "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf" };

    private static readonly HashSet<string> SameRank = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Where", "Max", "Min", "Sum", "Mean", "Equal", "Less", "LessOrEqual", "Greater",
        "GreaterOrEqual", "And", "Or", "Xor", "Not", "Neg", "Sqrt", "Exp", "Log", "Erf", "Tanh", "Sigmoid", "Relu", "Gelu",
        "Softmax", "LogSoftmax", "Cast", "Identity", "Abs", "Reciprocal", "Dropout", "LayerNormalization", "Slice", "Split", "Clip", "Sign", "Floor", "Ceil", "Round", "CastLike", "GatherElements", "IsNaN",
    };

    private readonly Dictionary<Value, ElementType> _types = new();
    private readonly Dictionary<Value, int> _ranks = new();

    public ElementType TypeOf(Value v) =>
        v.Type != ElementType.Undefined ? v.Type : _types.TryGetValue(v, out var t) ? t : ElementType.Undefined;

    public int? RankOf(Value v) =>
        v.Shape is not null ? v.Shape.Count : _ranks.TryGetValue(v, out var r) ? r : v.Initializer?.Rank;

    /// <summary>The constant behind <paramref name="v"/>: an initializer or a Constant node's tensor.</summary>
    public static TensorData? ConstantOf(Value? v)
    {
        if (v is null) return null;
        if (v.Initializer is not null) return v.Initializer;
        if (v.Producer is { OpType: "Constant", Domain: "" } p && p.Attributes.TryGetValue("value", out var a) && a.Kind == AttributeKind.Tensor)
            return a.AsTensor();
        return null;
    }

    public static long[]? ConstantInts(Value? v) => ConstantOf(v) is { } t ? t.ToInt64s() : null;

    /// <summary>Records the types and ranks of <paramref name="node"/>'s outputs from those of its inputs.</summary>
    public void Observe(Node node)
    {
        for (int k = 0; k < node.Outputs.Count; k++)
        {
            var output = node.Outputs[k];
            var type = InferType(node, k);
            if (type != ElementType.Undefined) _types[output] = type;
            if (InferRank(node, k) is int rank) _ranks[output] = rank;
        }
    }

    private ElementType InferType(Node node, int k)
    {
        ElementType In(int i) => node.Input(i) is { } v ? TypeOf(v) : ElementType.Undefined;
        return node.OpType switch
        {
            "Cast" => (ElementType)node.IntAttribute("to", 0),
            "CastLike" => In(1),
            "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" => ElementType.Int64,
            _ when Boolean.Contains(node.OpType) => ElementType.Bool,
            "Constant" => ConstantOf(node.Outputs[0])?.Type ?? ElementType.Undefined,
            "ConstantOfShape" => node.Attributes.TryGetValue("value", out var v) ? v.AsTensor().Type : ElementType.Float,
            "Where" => In(1),
            "OneHot" => In(2),
            "Dropout" when k == 1 => ElementType.Bool,
            "LayerNormalization" when k > 0 => (ElementType)node.IntAttribute("stash_type", (long)ElementType.Float),
            _ => node.Inputs.FirstOrDefault(i => i is not null) is { } first ? TypeOf(first) : ElementType.Undefined,
        };
    }

    private int? InferRank(Node node, int k)
    {
        int? In(int i) => node.Input(i) is { } v ? RankOf(v) : null;
        int? MaxOfInputs()
        {
            int max = 0;
            foreach (var input in node.Inputs)
            {
                if (input is null) continue;
                if (RankOf(input) is not int r) return null;
                max = Math.Max(max, r);
            }
            return max;
        }
        long[]? Axes() => node.IntsAttribute("axes")?.ToArray() ?? ConstantInts(node.Input(1));
        switch (node.OpType)
        {
            case "MatMul": return In(0) is int a && In(1) is int b && a >= 2 && b >= 2 ? Math.Max(a, b) : null;
            case "Gemm" or "Flatten" or "NonZero": return 2;
            case "Shape" or "Range": return 1;
            case "Size": return 0;
            case "ScatterND" or "ScatterElements": return In(0);
            case "Transpose": return node.IntsAttribute("perm")?.Count ?? In(0);
            case "Reshape": return ConstantOf(node.Input(1)) is { } shape ? (int)shape.ElementCount : null;
            case "Expand": return ConstantOf(node.Input(1)) is { } ex && In(0) is int r0 ? Math.Max(r0, (int)ex.ElementCount) : null;
            case "ConstantOfShape": return ConstantOf(node.Input(0)) is { } cs ? (int)cs.ElementCount : null;
            case "Constant": return ConstantOf(node.Outputs[0])?.Rank;
            case "Unsqueeze": return In(0) is int ru && Axes() is { } ua ? ru + ua.Length : null;
            case "Squeeze": return In(0) is int rs && Axes() is { } sa ? rs - sa.Length : null;
            case "Gather": return In(0) is int rd && In(1) is int ri ? rd + ri - 1 : null;
            case "Concat": return node.Inputs.Select(i => i is null ? null : RankOf(i)).FirstOrDefault(r => r is not null);
            case "ReduceSum" or "ReduceMean" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceSumSquare" or "ReduceL2":
                if (In(0) is not int rr) return null;
                if (node.IntAttribute("keepdims", 1) == 1) return rr;
                var axes = Axes();
                if (axes is null) return node.Input(1) is null ? 0 : null;
                return axes.Length == 0 && node.IntAttribute("noop_with_empty_axes", 0) == 0 ? 0 : rr - axes.Length;
            default:
                return SameRank.Contains(node.OpType) ? MaxOfInputs() : null;
        }
    }
}
