using OrtAgent.Onnx;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Autodiff;

public sealed class ShapeAndIndexingGradientTests(ITestOutputHelper output) : GradientTestBase(output)
{
    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Unknown)]
    public void ReshapeToHeads(DeclaredShape declared) =>
        Check("Reshape", (g, x) => g.Reshape(x[0], 2, 3, 2, 2), [new("x", [2, 3, 4])], declared);

    [Fact]
    public void Flatten() => Check("Flatten", (g, x) => g.Flatten(x[0], 2), [new("x", [2, 3, 2])]);

    [Fact]
    public void UnsqueezeAndSqueeze() =>
        Check("Unsqueeze/Squeeze", (g, x) => g.Add(g.Unsqueeze(x[0], 0, 2), g.Squeeze(x[1], 1)), [new("a", [2, 3]), new("b", [2, 1, 3])]);

    [Fact]
    public void TransposeInvertsPermutation() =>
        Check("Transpose", (g, x) => g.Transpose(x[0], 0, 2, 3, 1), [new("x", [2, 3, 2, 2])]);

    [Fact]
    public void TransposeWithoutPermReverses() =>
        Check("Transpose reversed", (g, x) => g.Op("Transpose", x[0]), [new("x", [2, 3, 4])]);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Unknown)]
    public void ExpandSumsBroadcastDims(DeclaredShape declared) =>
        Check("Expand", (g, x) => g.Expand(x[0], g.Int64s(2, 3, 4)), [new("x", [3, 1])], declared);

    [Fact]
    public void Identity() => Check("Identity", (g, x) => g.Identity(x[0]), [new("x", [2, 3])]);

    [Fact]
    public void CastFloatToDoubleAndBack() =>
        Check("Cast", (g, x) => g.Cast(g.Mul(g.Cast(x[0], ElementType.Double), g.Cast(x[0], ElementType.Double)), ElementType.Float),
            [new("x", [2, 3])], type: ElementType.Float, h: 1e-2, tolerance: 1e-3);

    [Fact]
    public void GatherEmbeddingRowsWithRepeatedIndices() =>
        Check("Gather embedding", (g, x) => g.Gather(x[0], Longs(g, [2, 3], 1, 4, 1, 0, 1, 5)), [new("table", [6, 3])]);

    [Fact]
    public void GatherRowsCountedFromTheEndMeetTheSameRowsCountedFromTheStart() =>
        Check("Gather negative", (g, x) => g.Gather(x[0], Longs(g, [2, 3], -1, 4, 5, 0, -6, -2)), [new("table", [6, 3])]);

    [Fact]
    public void GatherScalarIndex() =>
        Check("Gather scalar", (g, x) => g.Gather(x[0], Longs(g, [], 2), axis: 0), [new("x", [4, 3])]);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Symbolic)]
    public void GatherOnInnerAxis(DeclaredShape declared) =>
        Check("Gather axis 1", (g, x) => g.Gather(x[0], Longs(g, [3], 2, 0, 2), axis: 1), [new("x", [2, 4, 3])], declared);

    [Fact]
    public void GatherFirstTokenLikeAPooler() =>
        Check("Gather CLS", (g, x) => g.Gather(x[0], Longs(g, [], 0), axis: 1), [new("x", [2, 3, 4])]);

    [Fact]
    public void SliceWithAxesAndSteps() =>
        Check("Slice steps", (g, x) => g.Slice(x[0], g.Int64s(1, 0), g.Int64s(3, 10), g.Int64s(0, 2), g.Int64s(1, 2)), [new("x", [4, 2, 5])]);

    [Fact]
    public void SliceWithNegativeStep() =>
        Check("Slice negative step", (g, x) => g.Slice(x[0], g.Int64s(-1), g.Int64s(-5), g.Int64s(1), g.Int64s(-2)), [new("x", [2, 5])]);

    [Theory]
    [InlineData(DeclaredShape.Static)]
    [InlineData(DeclaredShape.Unknown)]
    public void ConcatSplitsGradientBack(DeclaredShape declared) =>
        Check("Concat", (g, x) => g.Concat(1, x[0], x[1], x[0]), [new("a", [2, 2, 3]), new("b", [2, 1, 3])], declared);

    [Fact]
    public void SplitFillsUnusedPiecesWithZeros() =>
        Check("Split", (g, x) =>
        {
            var pieces = g.Split(x[0], -1, 2, 1, 3);
            return g.Concat(-1, pieces[2], pieces[0]);
        }, [new("x", [2, 6])]);
}
