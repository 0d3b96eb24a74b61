using OrtAgent.Training.Distillation;

namespace OrtAgent.Training.Tests.Distillation;

/// <summary>The rule: the last layer of each of N even blocks of the teacher's layers.</summary>
public sealed class LayerSelectionTests
{
    [Theory]
    [InlineData(6, 3, new[] { 1, 3, 5 })]
    [InlineData(6, 2, new[] { 2, 5 })]
    [InlineData(6, 1, new[] { 5 })]
    [InlineData(6, 4, new[] { 0, 2, 3, 5 })]
    [InlineData(6, 5, new[] { 0, 1, 2, 3, 5 })]
    [InlineData(12, 6, new[] { 1, 3, 5, 7, 9, 11 })]
    [InlineData(12, 4, new[] { 2, 5, 8, 11 })]
    [InlineData(4, 2, new[] { 1, 3 })]
    public void KeepsTheLastLayerOfEachBlock(int teacher, int student, int[] expected) =>
        Assert.Equal(expected, LayerSelection.EvenlySpaced(teacher, student));

    [Fact]
    public void EverySelectionIsStrictlyIncreasingAndEndsAtTheTopLayer()
    {
        for (int teacher = 2; teacher <= 24; teacher++)
            for (int student = 1; student < teacher; student++)
            {
                var kept = LayerSelection.EvenlySpaced(teacher, student);
                Assert.Equal(student, kept.Count);
                Assert.Equal(teacher - 1, kept[^1]);
                Assert.True(kept[0] >= 0 && kept.Zip(kept.Skip(1)).All(p => p.First < p.Second), $"{teacher} → {student}: {string.Join(",", kept)}");
            }
    }

    [Theory]
    [InlineData(6, 6)]
    [InlineData(6, 7)]
    [InlineData(6, 0)]
    [InlineData(6, -1)]
    public void RefusesCountsThatAreNotFewerLayers(int teacher, int student)
    {
        var error = Assert.Throws<InvalidOptionException>(() => LayerSelection.EvenlySpaced(teacher, student));
        Assert.Equal("DistillationOptions.Layers", error.Option);
        Assert.Contains($"the teacher's {teacher} layers", error.Problem);
    }

    [Fact]
    public void AOneLayerTeacherIsSaidToHaveNoLayerToCut()
    {
        var error = Assert.Throws<InvalidOptionException>(() => LayerSelection.EvenlySpaced(1, 1));

        Assert.Equal("DistillationOptions.Layers = 1: the teacher has one layer, so there is no layer to cut; distil a teacher of two or more layers",
            error.Message);
    }
}
