using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>Broadcasting arithmetic: Add, Sub, Mul, Div, Neg, Sum, Max, Min, Where.</summary>
internal static class ElementwiseGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("Add", Add);
        r.Register("Sub", Sub);
        r.Register("Mul", Mul);
        r.Register("Div", Div);
        r.Register("Neg", c => [c.Graph.Neg(c.GO(0))]);
        r.Register("Sum", Sum);
        r.Register("Max", Extremum);
        r.Register("Min", Extremum);
        r.Register("Where", Where, nonDifferentiableInputs: [0]);
    }

    private static Value?[] Add(GradientContext c) =>
    [
        c.IsGradientRequired(0) ? c.SumToShape(c.GO(0), c.I(0)) : null,
        c.IsGradientRequired(1) ? c.SumToShape(c.GO(0), c.I(1)) : null,
    ];

    private static Value?[] Sub(GradientContext c) =>
    [
        c.IsGradientRequired(0) ? c.SumToShape(c.GO(0), c.I(0)) : null,
        // Negate after reducing: the reduced tensor is the smaller one.
        c.IsGradientRequired(1) ? c.Graph.Neg(c.SumToShape(c.GO(0), c.I(1))) : null,
    ];

    private static Value?[] Mul(GradientContext c)
    {
        var g = c.Graph;
        return
        [
            c.IsGradientRequired(0) ? c.SumToShape(g.Mul(c.GO(0), c.I(1)), c.I(0)) : null,
            c.IsGradientRequired(1) ? c.SumToShape(g.Mul(c.GO(0), c.I(0)), c.I(1)) : null,
        ];
    }

    private static Value?[] Div(GradientContext c)
    {
        // y = a / b: da = g / b, db = -g * y / b.
        var g = c.Graph;
        return
        [
            c.IsGradientRequired(0) ? c.SumToShape(g.Div(c.GO(0), c.I(1)), c.I(0)) : null,
            c.IsGradientRequired(1) ? c.Graph.Neg(c.SumToShape(g.Div(g.Mul(c.GO(0), c.O(0)), c.I(1)), c.I(1))) : null,
        ];
    }

    private static Value?[] Sum(GradientContext c) =>
        c.Node.Inputs.Select((input, i) => c.IsGradientRequired(i) ? c.SumToShape(c.GO(0), input!) : null).ToArray();

    private static Value?[] Extremum(GradientContext c)
    {
        // The gradient goes to the first input equal to the result (ties are not split).
        var g = c.Graph;
        var result = new Value?[c.Node.Inputs.Count];
        int lastRequired = Enumerable.Range(0, result.Length).Last(c.IsGradientRequired);
        Value? taken = null;
        for (int i = 0; i <= lastRequired; i++)
        {
            var wins = g.Equal(c.I(i), c.O(0));
            if (c.IsGradientRequired(i))
            {
                var mine = taken is null ? wins : g.And(wins, g.Not(taken));
                result[i] = c.SumToShape(g.Where(mine, c.GO(0), c.Scalar(0)), c.I(i));
            }
            if (i < lastRequired) taken = taken is null ? wins : g.Or(taken, wins);
        }
        return result;
    }

    private static Value?[] Where(GradientContext c)
    {
        var g = c.Graph;
        var zero = c.Scalar(0);
        return
        [
            null,
            c.IsGradientRequired(1) ? c.SumToShape(g.Where(c.I(0), c.GO(0), zero), c.I(1)) : null,
            c.IsGradientRequired(2) ? c.SumToShape(g.Where(c.I(0), zero, c.GO(0)), c.I(2)) : null,
        ];
    }
}
