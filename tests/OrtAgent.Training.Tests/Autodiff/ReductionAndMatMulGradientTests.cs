using OrtAgent.Onnx;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Autodiff;

public sealed class ReductionAndMatMulGradientTests(ITestOutputHelper output) : GradientTestBase(output)
{
    [Theory]
    [InlineData(true, DeclaredShape.Static)]
    [InlineData(false, DeclaredShape.Static)]
    [InlineData(false, DeclaredShape.Unknown)]
    public void ReduceSumOverAnAxis(bool keepDims, DeclaredShape declared) =>
        Check($"ReduceSum keepdims={keepDims}", (g, x) => g.ReduceSum(x[0], [1], keepDims), [new("x", [2, 3, 4])], declared);

    [Fact]
    public void ReduceSumOverEverything() =>
        Check("ReduceSum all", (g, x) => g.Op("ReduceSum", [x[0]], Graph.Attrs(("keepdims", 0L))), [new("x", [2, 3])]);

    [Theory]
    [InlineData(true, DeclaredShape.Static)]
    [InlineData(false, DeclaredShape.Static)]
    [InlineData(false, DeclaredShape.Symbolic)]
    public void ReduceMeanWithAxesAttribute(bool keepDims, DeclaredShape declared) =>
        Check($"ReduceMean keepdims={keepDims}", (g, x) => g.ReduceMean(x[0], [-1, 0], keepDims), [new("x", [2, 3, 4])], declared);

    [Fact]
    public void ReduceMeanWithAxesInputOpset18() =>
        Check("ReduceMean opset 18", (g, x) => g.ReduceMean(x[0], [1], keepDims: false), [new("x", [2, 3, 4])], opset: 18);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Unknown)]
    public void MatMulBatched(DeclaredShape declared) =>
        Check("MatMul batched", (g, x) => g.MatMul(x[0], x[1]), [new("a", [2, 2, 3, 4]), new("b", [2, 2, 4, 3])], declared);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Symbolic)]
    [InlineData(DeclaredShape.Unknown)]
    public void MatMulWithTwoDimensionalWeight(DeclaredShape declared) =>
        Check("MatMul 3-D x 2-D", (g, x) => g.MatMul(x[0], x[1]), [new("x", [2, 3, 4]), new("w", [4, 5])], declared);

    [Fact]
    public void MatMulFourDimensionalWithTwoDimensionalWeight() =>
        Check("MatMul 4-D x 2-D", (g, x) => g.MatMul(x[0], x[1]), [new("x", [2, 2, 3, 4]), new("w", [4, 2])]);

    [Fact]
    public void MatMulBroadcastsBatchDims() =>
        Check("MatMul broadcast batch", (g, x) => g.MatMul(x[0], x[1]), [new("a", [2, 1, 3, 4]), new("b", [1, 2, 4, 3])]);

    [Fact]
    public void MatMulTwoDimensional() =>
        Check("MatMul 2-D", (g, x) => g.MatMul(x[0], x[1]), [new("a", [3, 4]), new("b", [4, 2])]);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void GemmTransposes(bool transA, bool transB) =>
        Check($"Gemm transA={transA} transB={transB}",
            (g, x) => g.Gemm(x[0], x[1], x[2], alpha: 0.7f, beta: 1.3f, transA: transA, transB: transB),
            [new("a", transA ? [4, 3] : [3, 4]), new("b", transB ? [2, 4] : [4, 2]), new("c", [2])]);

    [Fact]
    public void GemmLinearLayerWithTransB() =>
        Check("Gemm linear", (g, x) => g.Gemm(x[0], x[1], x[2], transB: true), [new("x", [3, 4]), new("w", [2, 4]), new("bias", [1, 2])]);
}
