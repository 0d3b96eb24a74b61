using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>Ops that move or relabel elements without arithmetic: Reshape, Flatten, Unsqueeze, Squeeze, Transpose, Expand, Identity, Cast.</summary>
internal static class ShapeGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("Reshape", BackToInputShape, nonDifferentiableInputs: [1]);
        r.Register("Flatten", BackToInputShape);
        r.Register("Unsqueeze", BackToInputShape, nonDifferentiableInputs: [1]);
        r.Register("Squeeze", BackToInputShape, nonDifferentiableInputs: [1]);
        r.Register("Transpose", Transpose);
        r.Register("Expand", c => [c.SumToShape(c.GO(0), c.I(0))], nonDifferentiableInputs: [1]);
        r.Register("Identity", c => [c.GO(0)]);
        // Only float-to-float casts carry gradient; a cast to an integer or bool ends the path.
        r.Register("Cast", Cast,
            outputsDifferentiable: n => ElementTypes.IsFloatingPoint((ElementType)n.IntAttribute("to", 0)));
    }

    private static Value?[] BackToInputShape(GradientContext c) => [c.Graph.Reshape(c.GO(0), c.ShapeOf(c.I(0)))];

    private static Value?[] Cast(GradientContext c)
    {
        var from = c.TypeOf(c.I(0));
        if (from != ElementType.Undefined) return [from == c.T ? c.GO(0) : c.Graph.Cast(c.GO(0), from)];
        if (c.Graph.OpsetVersion >= 15) return [c.Graph.Op("CastLike", c.GO(0), c.I(0))];
        throw c.Unsupported("a Cast from an unknown element type before opset 15");
    }

    private static Value?[] Transpose(GradientContext c)
    {
        // The inverse permutation; no perm means reversed dims, its own inverse.
        if (c.Node.IntsAttribute("perm") is not { } perm) return [c.Graph.Op("Transpose", c.GO(0))];
        var inverse = new long[perm.Count];
        for (int i = 0; i < perm.Count; i++) inverse[perm[i]] = i;
        return [c.Graph.Transpose(c.GO(0), inverse)];
    }
}
