using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Autodiff;

public sealed class MathAndActivationGradientTests(ITestOutputHelper output) : GradientTestBase(output)
{
    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    public void PowWithConstantExponent(double exponent) =>
        Check($"Pow ^{exponent}", (g, x) => g.Pow(x[0], g.Constant(TensorData.Scalar(exponent))), [new("x", [2, 3], 0.5, 2)]);

    [Fact]
    public void PowWithFloatExponentOnDoubleBase() =>
        Check("Pow ^2f", (g, x) => g.Pow(x[0], g.Constant(TensorData.Scalar(2f))), [new("x", [2, 3], 0.5, 2)]);

    [Fact]
    public void PowWithDifferentiableBroadcastExponent() =>
        Check("Pow a^b", (g, x) => g.Pow(x[0], x[1]), [new("a", [2, 3], 0.5, 2), new("b", [3])]);

    [Fact]
    public void Sqrt() => Check("Sqrt", (g, x) => g.Sqrt(x[0]), [new("x", [2, 3], 0.5, 2)]);

    [Fact]
    public void Reciprocal() => Check("Reciprocal", (g, x) => g.Reciprocal(x[0]), [new("x", [2, 3], 0.5, 2)]);

    [Fact]
    public void Exp() => Check("Exp", (g, x) => g.Exp(x[0]), [new("x", [2, 3])]);

    [Fact]
    public void Log() => Check("Log", (g, x) => g.Log(x[0]), [new("x", [2, 3], 0.5, 2)]);

    [Fact]
    public void ErfInFloat() =>
        Check("Erf", (g, x) => g.Erf(x[0]), [new("x", [2, 3])], type: ElementType.Float, h: 1e-2, tolerance: 1e-3);

    [Fact]
    public void Tanh() => Check("Tanh", (g, x) => g.Tanh(x[0]), [new("x", [2, 3])]);

    [Fact]
    public void Sigmoid() => Check("Sigmoid", (g, x) => g.Sigmoid(x[0]), [new("x", [2, 3])]);

    [Fact]
    public void Relu() => Check("Relu", (g, x) => g.Relu(x[0]), [new("x", [3, 4])]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GeluOpset20InFloat(bool tanh) =>
        Check($"Gelu tanh={tanh}", (g, x) => g.Gelu(x[0], tanh), [new("x", [3, 4], -2, 2)], type: ElementType.Float, opset: 20, h: 1e-2, tolerance: 1e-3);

    [Fact]
    public void GeluSlopeMatchesTheClosedFormFromDeepNegativeToBeyondExpOverflow()
    {
        // dy/dx = Phi(x) + x phi(x), evaluated in double; at |x| = 40, exp(x^2 / 2) overflows float.
        float[] xs = [-40, -12, -6, -3, -1, -0.5f, -1e-4f, 0, 1e-4f, 0.5f, 1, 3, 6, 12, 40];
        var graph = new Graph("gelu", 20);
        var x = graph.AddInput("x", ElementType.Float, [xs.Length]);
        var loss = graph.Op("ReduceSum", [graph.Gelu(x)], Graph.Attrs(("keepdims", 0L)));
        loss.Type = ElementType.Float;
        graph.AddOutput(loss);
        var gradient = GradientBuilder.Build(graph, loss, [x], new GradientBuilderOptions { AddGradientOutputs = true })[x];

        using var session = GradientCheck.Session(graph);
        using var input = OrtValue.CreateTensorValueFromMemory(xs, [xs.Length]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], [gradient.Name]);
        var slopes = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        for (int i = 0; i < xs.Length; i++)
        {
            double v = xs[i];
            double expected = 0.5 * (1 + Erf(v / Math.Sqrt(2))) + v * Math.Exp(-v * v / 2) / Math.Sqrt(2 * Math.PI);
            Assert.True(Math.Abs(slopes[i] - expected) <= 2e-6, $"x = {v}: slope {slopes[i]:G9}, expected {expected:G9}");
        }
    }

    // Abramowitz and Stegun 7.1.26: absolute error below 1.5e-7, a little under float's resolution near 1.
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return Math.Sign(x) * (1 - poly * Math.Exp(-x * x));
    }

    [Fact]
    public void ErfGeluAsExported() =>
        Check("erf-GELU", (g, x) =>
        {
            var v = x[0];
            var erf = g.Erf(g.Div(v, g.Constant(TensorData.Scalar(1.4142135f))));
            return g.Mul(g.Mul(v, g.Constant(TensorData.Scalar(0.5f))), g.Add(erf, g.Constant(TensorData.Scalar(1f))));
        }, [new("x", [3, 4], -2, 2)], type: ElementType.Float, h: 1e-2, tolerance: 1e-3);

    [Theory]
    [InlineData(-1L)]
    [InlineData(1L)]
    public void SoftmaxOnAnAxis(long axis) =>
        Check($"Softmax axis {axis}", (g, x) => g.Softmax(x[0], axis), [new("x", [2, 3, 4], -2, 2)]);

    [Theory]
    [InlineData(-1L)]
    [InlineData(0L)]
    public void LogSoftmaxOnAnAxis(long axis) =>
        Check($"LogSoftmax axis {axis}", (g, x) => g.LogSoftmax(x[0], axis), [new("x", [2, 3, 4], -2, 2)]);
}
