using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>Powers, roots, exponentials and logarithms: Pow, Sqrt, Reciprocal, Exp, Log.</summary>
internal static class MathGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("Pow", Pow);
        // y = sqrt(x): dx = g * 0.5 / y.
        r.Register("Sqrt", c => [c.Graph.Div(c.Graph.Mul(c.GO(0), c.Scalar(0.5)), c.O(0))]);
        // y = 1 / x: dx = -g * y * y.
        r.Register("Reciprocal", c => [c.Graph.Neg(c.Graph.Mul(c.GO(0), c.Graph.Mul(c.O(0), c.O(0))))]);
        r.Register("Exp", c => [c.Graph.Mul(c.GO(0), c.O(0))]);
        r.Register("Log", c => [c.Graph.Div(c.GO(0), c.I(0))]);
    }

    private static Value?[] Pow(GradientContext c)
    {
        var g = c.Graph;
        var (a, b) = (c.I(0), c.I(1));
        Value? da = null, db = null;
        if (c.IsGradientRequired(0))
        {
            // y = a^b: da = g * b * a^(b-1); a constant scalar exponent folds (b = 2 gives g * 2a, no Pow at all).
            if (GradientContext.ConstantOf(b) is { ElementCount: 1 } e && !c.IsGradientRequired(1))
            {
                double p = e.ToDoubles()[0];
                var slope = p switch
                {
                    1 => null,
                    2 => g.Mul(a, c.Scalar(2)),
                    _ => g.Mul(g.Pow(a, c.Scalar(p - 1)), c.Scalar(p)),
                };
                da = slope is null ? c.GO(0) : g.Mul(c.GO(0), slope);
                da = e.Rank == 0 ? da : c.SumToShape(da, a);
            }
            else
            {
                var exponent = SameType(c, b);
                da = c.SumToShape(g.Mul(c.GO(0), g.Mul(exponent, g.Pow(a, g.Sub(exponent, c.Scalar(1))))), a);
            }
        }
        if (c.IsGradientRequired(1))
        {
            // db = g * y * ln(a), in b's type.
            var grad = g.Mul(g.Mul(c.GO(0), c.O(0)), g.Log(a));
            if (c.TypeOf(b) is var tb && tb != c.T && tb != ElementType.Undefined) grad = g.Cast(grad, tb);
            db = c.SumToShape(grad, b);
        }
        return [da, db];
    }

    // Pow lets the exponent have another float type than the base; arithmetic with the gradient needs the base's.
    private static Value SameType(GradientContext c, Value b) =>
        c.TypeOf(b) is var t && t != c.T && t != ElementType.Undefined ? c.Graph.Cast(b, c.T) : b;
}
