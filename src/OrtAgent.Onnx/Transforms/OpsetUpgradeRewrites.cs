namespace OrtAgent.Onnx;

/// <summary>The per-operator rewrites behind <see cref="OpsetUpgrader"/>, each applied when the upgrade crosses the opset that changed it.</summary>
internal sealed class OpsetUpgradeRewrites
{
    /// <summary>Operators whose inputs, attributes and semantics are unchanged from opset 11 to 18 (type lists aside, or with new optional parts defaulting to the old behaviour).</summary>
    private static readonly HashSet<string> Unchanged = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Exp", "Log", "Abs", "Reciprocal", "Erf", "Tanh", "Sigmoid", "Relu",
        "LeakyRelu", "Elu", "Softplus", "HardSigmoid", "Floor", "Ceil", "Round", "Sign", "Not", "And", "Or", "Xor",
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Where", "Max", "Min", "Sum", "Mean", "Clip", "Cast",
        "MatMul", "Gemm", "Einsum", "Gather", "GatherElements", "GatherND", "Reshape", "Transpose", "Concat", "Slice", "Shape",
        "Size", "Constant", "ConstantOfShape", "Identity", "Expand", "Tile", "Range", "OneHot", "ScatterND", "ScatterElements",
        "Flatten", "CumSum", "ArgMax", "ArgMin", "TopK", "NonZero", "Pad",
    };

    /// <summary>Reductions whose axes moved from attribute to input in opset 18 (ReduceSum moved in 13).</summary>
    private static readonly HashSet<string> ReductionsMovedAt18 = new(StringComparer.Ordinal)
    {
        "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
    };

    private static readonly HashSet<string> SoftmaxFamily = new(StringComparer.Ordinal) { "Softmax", "LogSoftmax", "Hardmax" };

    private readonly Graph _graph;
    private readonly long _source;
    private readonly long _target;
    private readonly Dictionary<string, Value> _int64Constants = new(StringComparer.Ordinal);
    private bool _appendedNodes;

    public OpsetUpgradeRewrites(Graph graph, long source, long target)
    {
        _graph = graph;
        _source = source;
        _target = target;
    }

    public static bool Accepts(Node node) =>
        Unchanged.Contains(node.OpType) || ReductionsMovedAt18.Contains(node.OpType) || SoftmaxFamily.Contains(node.OpType)
        || node.OpType is "ReduceSum" or "Unsqueeze" or "Squeeze" or "Split" or "Dropout";

    public void Apply()
    {
        // Softmax needs the input rank to tell whether the old and new semantics coincide; inference on the
        // original graph is best effort (an op without a shape rule only costs the cheaper rewrite).
        if (Crosses(13) && _graph.Nodes.Any(n => SoftmaxFamily.Contains(n.OpType) && n.Domain.Length == 0))
            TryInferShapes();

        foreach (var node in _graph.Nodes.ToList())
        {
            if (node.Domain.Length != 0) continue;
            switch (node.OpType)
            {
                case "Unsqueeze" or "Squeeze" or "ReduceSum" when Crosses(13):
                    MoveIntsToInput(node, "axes", 1);
                    break;
                case "Split" when Crosses(13):
                    MoveIntsToInput(node, "split", 1);
                    break;
                case var op when ReductionsMovedAt18.Contains(op) && Crosses(18):
                    MoveIntsToInput(node, "axes", 1);
                    break;
                case "Dropout" when Crosses(12):
                    MoveRatioToInput(node);
                    break;
                case var op when SoftmaxFamily.Contains(op) && Crosses(13):
                    RewriteSoftmax(node);
                    break;
            }
        }
        if (_appendedNodes) _graph.TopologicalSort();
    }

    private bool Crosses(long changedAt) => _source < changedAt && _target >= changedAt;

    private void TryInferShapes()
    {
        try { ShapeInference.Run(_graph); }
        catch (InvalidOperationException) { /* ranks stay unknown; RewriteSoftmax then takes the general form */ }
    }

    private void MoveIntsToInput(Node node, string attribute, int inputIndex)
    {
        if (!node.Attributes.Remove(attribute, out var value)) return;
        while (node.Inputs.Count < inputIndex) node.Inputs.Add(null);
        node.Inputs.Insert(inputIndex, Int64Constant(value.AsInts().ToArray()));
    }

    private void MoveRatioToInput(Node node)
    {
        if (!node.Attributes.Remove("ratio", out var ratio)) return;
        var type = node.Inputs[0]!.Type is ElementType.Double or ElementType.Float16 ? node.Inputs[0]!.Type : ElementType.Float;
        node.Inputs.Insert(1, _graph.Constant(TensorData.ScalarOf(type, ratio.AsFloat()), "dropout_ratio"));
    }

    /// <summary>
    /// Before opset 13 Softmax flattened its input to 2-D at <c>axis</c> (default 1) and normalized each row; from 13 it
    /// normalizes along <c>axis</c> (default -1). The two agree when axis is the last dim; otherwise the old meaning
    /// is spelled out as Flatten → Softmax(axis 1) → Reshape back to the input's shape.
    /// </summary>
    private void RewriteSoftmax(Node node)
    {
        var x = node.Inputs[0]!;
        long axis = node.IntAttribute("axis", 1);
        if (x.Rank is int rank && (axis == -1 || axis == rank - 1))
        {
            // Spell the axis out: the default itself changed from 1 to -1.
            node.Attributes["axis"] = axis;
            return;
        }
        var old = node.Outputs[0];
        var flat = _graph.Op("Flatten", [x], Graph.Attrs(("axis", axis)));
        var normalized = _graph.Op(node.OpType, [flat], Graph.Attrs(("axis", 1L)));
        var restored = _graph.Reshape(normalized, _graph.Shape(x));
        _graph.ReplaceAllUses(old, restored);
        _graph.RemoveNode(node);
        _graph.RenameValue(restored, old.Name);
        restored.Type = old.Type;
        restored.Shape = old.Shape;
        restored.HasValueInfo = old.HasValueInfo;
        _appendedNodes = true;
    }

    /// <summary>One initializer per distinct axes list: an encoder has dozens of identical Unsqueeze axes.</summary>
    private Value Int64Constant(long[] values)
    {
        var key = string.Join(",", values);
        if (!_int64Constants.TryGetValue(key, out var constant))
            _int64Constants[key] = constant = _graph.Constant(TensorData.Vector(values), "axes");
        return constant;
    }
}
