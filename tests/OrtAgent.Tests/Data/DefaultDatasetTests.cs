using OrtAgent.Data;

namespace OrtAgent.Tests.Data;

public sealed class DefaultDatasetTests
{
    [Fact]
    public void ShippedReviewsAreBalancedDistinctAndReadable()
    {
        LabeledTextFile file = LabeledTextFile.Open(DefaultDataset.FilePath);
        LabeledText[] examples = file.ToArray();

        Assert.Equal("text", file.TextColumn);
        Assert.Equal("label", file.LabelColumn);
        Assert.Equal(300, examples.Length);
        Assert.Equal(["negative", "positive"], LabelSet.FromFile(file).ToArray());
        Assert.Equal(150, examples.Count(e => e.Label == "positive"));
        Assert.Equal(examples.Length, examples.Select(e => e.Text).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(examples, e => Assert.InRange(e.Text.Length, 20, 200));
    }

    [Fact]
    public void ShippedReviewsSplitIntoFifteenValidationExamplesPerLabel()
    {
        var split = StratifiedSplit.Create(LabeledTextFile.Open(DefaultDataset.FilePath));

        Assert.Equal(270, split.TrainingCount);
        Assert.Equal(15, split.ValidationCountOf("positive"));
        Assert.Equal(15, split.ValidationCountOf("negative"));
    }
}
