using OrtAgent.Onnx;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Autodiff;

public sealed class ElementwiseGradientTests(ITestOutputHelper output) : GradientTestBase(output)
{
    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Symbolic)]
    [InlineData(DeclaredShape.Unknown)]
    public void AddBroadcastsBiasOverBatch(DeclaredShape declared) =>
        Check("Add bias", (g, x) => g.Add(x[0], x[1]), [new("x", [2, 3, 4]), new("bias", [4])], declared);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Symbolic)]
    [InlineData(DeclaredShape.Unknown)]
    public void AddBroadcastsAttentionMask(DeclaredShape declared) =>
        Check("Add mask", (g, x) => g.Add(x[0], x[1]), [new("scores", [2, 2, 3, 3]), new("mask", [2, 1, 1, 3])], declared);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Unknown)]
    public void SubBroadcastsBothWays(DeclaredShape declared) =>
        Check("Sub", (g, x) => g.Sub(x[0], x[1]), [new("a", [3, 1]), new("b", [2, 1, 4])], declared);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Symbolic)]
    public void MulBroadcastsScalar(DeclaredShape declared) =>
        Check("Mul", (g, x) => g.Mul(g.Mul(x[0], x[1]), x[2]), [new("a", [2, 3]), new("b", [2, 3]), new("s", [])], declared);

    [Fact]
    public void MulOfAValueWithItselfSumsBothPaths() =>
        Check("Mul x*x", (g, x) => g.Mul(x[0], x[0]), [new("x", [2, 3])]);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Unknown)]
    public void DivBroadcasts(DeclaredShape declared) =>
        Check("Div", (g, x) => g.Div(x[0], x[1]), [new("a", [2, 3, 4]), new("b", [3, 1], 0.5, 2)], declared);

    [Fact]
    public void Neg() => Check("Neg", (g, x) => g.Neg(x[0]), [new("x", [2, 3])]);

    [Fact]
    public void SumOfThreeWithBroadcast() =>
        Check("Sum", (g, x) => g.Sum([x[0], x[1], x[2]]), [new("a", [2, 3]), new("b", [3]), new("c", [2, 1])]);

    [Fact]
    public void MaxAndMinRouteToTheWinner() =>
        Check("Max/Min", (g, x) => g.Add(g.Max(x[0], x[1]), g.Min(x[0], x[2])), [new("a", [2, 3]), new("b", [2, 3]), new("c", [3])]);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Unknown)]
    public void WhereSplitsByCondition(DeclaredShape declared) =>
        Check("Where", (g, x) =>
        {
            var condition = g.Constant(TensorData.Create<bool>([2, 3], [true, false, true, false, false, true]));
            return g.Where(condition, x[0], x[1]);
        }, [new("a", [2, 3]), new("b", [3])], declared);
}
