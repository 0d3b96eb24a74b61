using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>ReduceSum and ReduceMean, with axes as attribute or input, keepdims 0 or 1.</summary>
internal static class ReductionGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("ReduceSum", c => [SpreadBack(c)], nonDifferentiableInputs: [1]);
        r.Register("ReduceMean", ReduceMean, nonDifferentiableInputs: [1]);
    }

    /// <summary>The output gradient broadcast back over the reduced axes: Unsqueeze them again when dropped, then Expand.</summary>
    private static Value SpreadBack(GradientContext c)
    {
        var g = c.Graph;
        var dy = c.GO(0);
        var x = c.I(0);
        if (c.Node.IntAttribute("keepdims", 1) == 0)
        {
            var axes = c.Node.IntsAttribute("axes") is { } attr ? c.Ints([.. attr]) : c.OptionalI(1);
            // No axes means every axis was reduced to a scalar (noop_with_empty_axes=1 with no axes is the identity):
            // Expand broadcasts either straight back.
            bool empty = axes is null || GradientContext.ConstantInts(axes) is { Length: 0 };
            if (!empty) dy = g.Op("Unsqueeze", dy, axes!);
        }
        return g.Expand(dy, c.ShapeOf(x));
    }

    private static Value?[] ReduceMean(GradientContext c)
    {
        var g = c.Graph;
        var spread = SpreadBack(c);
        // Divide by the number of elements averaged: the product of the reduced dims, static when known.
        var x = c.I(0);
        var axes = c.Node.IntsAttribute("axes") ?? GradientContext.ConstantInts(c.OptionalI(1));
        if (BackwardState.StaticShape(x) is { } dims && axes is not null)
        {
            long count = axes.Count == 0 ? dims.Aggregate(1L, (a, b) => a * b)
                : axes.Aggregate(1L, (a, ax) => a * dims[ax < 0 ? ax + dims.Length : ax]);
            return [g.Mul(spread, c.Scalar(1.0 / count))];
        }
        var count2 = g.Cast(g.Div(g.Size(x), g.Size(c.O(0))), c.T);
        return [g.Div(spread, count2)];
    }
}
