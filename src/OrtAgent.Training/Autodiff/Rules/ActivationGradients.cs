using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>Activations and normalizing exponentials: Erf, Tanh, Sigmoid, Relu, Gelu, Softmax, LogSoftmax.</summary>
internal static class ActivationGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("Erf", Erf);
        // y = tanh(x): dx = g * (1 - y^2).
        r.Register("Tanh", c => [c.Graph.Mul(c.GO(0), c.Graph.Sub(c.Scalar(1), c.Graph.Mul(c.O(0), c.O(0))))]);
        // y = sigmoid(x): dx = g * y * (1 - y).
        r.Register("Sigmoid", c => [c.Graph.Mul(c.Graph.Mul(c.GO(0), c.O(0)), c.Graph.Sub(c.Scalar(1), c.O(0)))]);
        r.Register("Relu", c => [c.Graph.Where(c.Graph.Greater(c.I(0), c.Scalar(0)), c.GO(0), c.Scalar(0))]);
        r.Register("Gelu", Gelu);
        r.Register("com.microsoft.Gelu", Gelu);
        r.Register("Softmax", Softmax);
        r.Register("LogSoftmax", LogSoftmax);
    }

    private static Value?[] Erf(GradientContext c)
    {
        // d erf(x) = 2/sqrt(pi) * exp(-x^2).
        var g = c.Graph;
        var x = c.I(0);
        var bell = g.Exp(g.Neg(g.Mul(x, x)));
        return [g.Mul(g.Mul(c.GO(0), bell), c.Scalar(2 / Math.Sqrt(Math.PI)))];
    }

    private static Value?[] Gelu(GradientContext c) =>
        c.Node.StringAttribute("approximate", "none") == "tanh" ? [TanhGelu(c)] : [ErfGelu(c)];

    private static Value TanhGelu(GradientContext c)
    {
        // y = 0.5x(1 + t), t = tanh(k(x + 0.044715x^3)): dy = 0.5(1 + t) + 0.5x(1 - t^2) k (1 + 3*0.044715x^2).
        var g = c.Graph;
        var x = c.I(0);
        double k = Math.Sqrt(2 / Math.PI);
        var x2 = g.Mul(x, x);
        var t = g.Tanh(g.Mul(g.Mul(x, g.Add(c.Scalar(1), g.Mul(x2, c.Scalar(0.044715)))), c.Scalar(k)));
        var left = g.Mul(g.Add(t, c.Scalar(1)), c.Scalar(0.5));
        var inner = g.Mul(g.Add(c.Scalar(1), g.Mul(x2, c.Scalar(3 * 0.044715))), c.Scalar(0.5 * k));
        var slope = g.Add(left, g.Mul(g.Mul(x, g.Sub(c.Scalar(1), g.Mul(t, t))), inner));
        return g.Mul(c.GO(0), slope);
    }

    private static Value ErfGelu(GradientContext c)
    {
        // y = x Phi(x): dy = Phi(x) + x phi(x). With t = x / sqrt 2, 2 Phi(x) = 1 + erf(t) and 2 x phi(x) =
        // (2 / sqrt pi) t exp(-t^2). Spelled so, it takes fewer passes over the activation than Phi and phi apart (the
        // GELU backward is the largest elementwise cost of a BERT step): t / exp(t^2) needs no negation and reaches
        // the right limit, 0, where exp overflows. The 0.5 scales the incoming gradient first because that is
        // usually a MatMul's output, into which ONNX Runtime folds a constant factor.
        var g = c.Graph;
        var t = g.Mul(c.I(0), c.Scalar(1 / Math.Sqrt(2)));
        var gaussian = g.Div(t, g.Exp(g.Mul(t, t)));
        var twiceSlope = g.Add(g.Add(g.Erf(t), g.Mul(gaussian, c.Scalar(2 / Math.Sqrt(Math.PI)))), c.Scalar(1));
        return g.Mul(g.Mul(c.GO(0), c.Scalar(0.5)), twiceSlope);
    }

    private static Value?[] Softmax(GradientContext c)
    {
        // dx = y * (g - sum(g * y)) over the softmax axis (opset-13 semantics: one axis; the builder requires opset 13+).
        var g = c.Graph;
        var (y, dy) = (c.O(0), c.GO(0));
        long axis = c.Node.IntAttribute("axis", -1);
        return [g.Mul(y, g.Sub(dy, g.ReduceSum(g.Mul(dy, y), c.Ints(axis), keepDims: true)))];
    }

    private static Value?[] LogSoftmax(GradientContext c)
    {
        // dx = g - softmax(x) * sum(g) over the axis; softmax(x) = exp(y).
        var g = c.Graph;
        var (y, dy) = (c.O(0), c.GO(0));
        long axis = c.Node.IntAttribute("axis", -1);
        return [g.Sub(dy, g.Mul(g.Exp(y), g.ReduceSum(dy, c.Ints(axis), keepDims: true)))];
    }
}
