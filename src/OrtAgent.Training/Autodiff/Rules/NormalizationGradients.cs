using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>LayerNormalization (from its saved Mean and InvStdDev) and Dropout (from its mask).</summary>
internal static class NormalizationGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("LayerNormalization", LayerNormalization, nonDifferentiableOutputs: [1, 2]);
        r.Register("Dropout", Dropout, nonDifferentiableInputs: [1, 2], nonDifferentiableOutputs: [1]);
    }

    private static Value?[] LayerNormalization(GradientContext c)
    {
        // y = xhat * scale + bias, xhat = (x - mean) * invstd over the normalized axes (axis..last):
        //   dbias = sum(dy), dscale = sum(dy * xhat) over the leading axes;
        //   dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * scale.
        var g = c.Graph;
        var (x, scale, dy) = (c.I(0), c.I(1), c.GO(0));
        long axis = c.Node.IntAttribute("axis", -1);
        if (axis >= 0)
        {
            if (c.RankOf(x) is not int r) throw c.Unsupported("a non-negative axis with unknown input rank");
            axis -= r;
        }
        var normalized = Enumerable.Range(0, (int)-axis).Select(i => axis + i).ToArray();
        var mean = Stat(c, c.O(1));
        var invStd = Stat(c, c.O(2));
        var xhat = g.Mul(g.Sub(x, mean), invStd);
        // Leading axes folded into rows so the parameter sums are one reduction whatever the rank.
        Value Rows(Value v) => g.Reshape(v, BackwardState.StaticShape(scale) is { } d ? c.Ints([-1, .. d]) : g.Concat(0, c.Ints(-1), c.ShapeOf(scale)));
        Value? dx = null, dScale = null, dBias = null;
        if (c.IsGradientRequired(0))
        {
            var dxhat = g.Mul(dy, scale);
            var meanDxhat = g.ReduceMean(dxhat, normalized, keepDims: true);
            var meanDxhatXhat = g.ReduceMean(g.Mul(dxhat, xhat), normalized, keepDims: true);
            dx = g.Mul(g.Sub(g.Sub(dxhat, meanDxhat), g.Mul(xhat, meanDxhatXhat)), invStd);
        }
        if (c.IsGradientRequired(1)) dScale = g.ReduceSum(Rows(g.Mul(dy, xhat)), c.Ints(0), keepDims: false);
        if (c.IsGradientRequired(2)) dBias = g.ReduceSum(Rows(dy), c.Ints(0), keepDims: false);
        return [dx, dScale, dBias];
    }

    // The statistics are stored in stash_type (float by default); bring them to the input's type when that differs.
    private static Value Stat(GradientContext c, Value stat)
    {
        var stash = (ElementType)c.Node.IntAttribute("stash_type", (long)ElementType.Float);
        return stash == c.T ? stat : c.Graph.Cast(stat, c.T);
    }

    private static Value?[] Dropout(GradientContext c)
    {
        // Training: y = x * mask / (1 - ratio); otherwise y = x (the mask is then all true).
        var g = c.Graph;
        var dy = c.GO(0);
        var training = c.OptionalI(2);
        if (training is null || GradientContext.ConstantOf(training) is { } t && t.ToDoubles()[0] == 0) return [dy];
        var ratio = c.OptionalI(1) is { } r ? (c.TypeOf(r) == c.T ? r : g.Cast(r, c.T)) : c.Scalar(0.5);
        var scale = g.Div(c.Scalar(1), g.Sub(c.Scalar(1), ratio));
        if (GradientContext.ConstantOf(training) is null) scale = g.Where(training, scale, c.Scalar(1));
        return [g.Where(c.O(1), g.Mul(dy, scale), c.Scalar(0))];
    }
}
