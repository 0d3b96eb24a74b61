using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

public sealed class StratifiedSplitTests : IDisposable
{
    private readonly TempDirectory _folder = new("data");

    public void Dispose() => _folder.Dispose();

    /// <summary>A CSV with the given number of examples per label, labels interleaved as in real files.</summary>
    private LabeledTextFile WriteFile(params (string Label, int Count)[] classes)
    {
        var lines = new List<string> { "text,label" };
        int longest = classes.Max(c => c.Count);
        for (int i = 0; i < longest; i++)
        {
            foreach ((string label, int count) in classes)
            {
                if (i < count)
                {
                    lines.Add($"{label} example {i},{label}");
                }
            }
        }
        return LabeledTextFile.Open(_folder.Write("d.csv", string.Join("\n", lines) + "\n"));
    }

    private static long[] Lines(IEnumerable<LabeledText> examples) => examples.Select(e => e.Line).ToArray();

    [Fact]
    public void SameSeedGivesTheSameSplit()
    {
        LabeledTextFile file = WriteFile(("pos", 50), ("neg", 50));

        var first = StratifiedSplit.Create(file, new StratifiedSplitOptions { Seed = 7 });
        var second = StratifiedSplit.Create(file, new StratifiedSplitOptions { Seed = 7 });

        Assert.Equal(Lines(first.Validation), Lines(second.Validation));
        Assert.Equal(Lines(first.Training), Lines(second.Training));
    }

    [Fact]
    public void DifferentSeedGivesADifferentSplit()
    {
        LabeledTextFile file = WriteFile(("pos", 50), ("neg", 50));

        var first = StratifiedSplit.Create(file, new StratifiedSplitOptions { Seed = 1 });
        var second = StratifiedSplit.Create(file, new StratifiedSplitOptions { Seed = 2 });

        Assert.NotEqual(Lines(first.Validation), Lines(second.Validation));
    }

    [Fact]
    public void PartsAreDisjointCoverTheFileAndKeepFileOrder()
    {
        LabeledTextFile file = WriteFile(("a", 30), ("b", 20));

        var split = StratifiedSplit.Create(file);
        long[] training = Lines(split.Training);
        long[] validation = Lines(split.Validation);

        Assert.Equal(Lines(file), training.Concat(validation).Order().ToArray());
        Assert.Equal(training.Order().ToArray(), training);
        Assert.Equal(validation.Order().ToArray(), validation);
        Assert.Equal(45, split.TrainingCount);
        Assert.Equal(5, split.ValidationCount);
        Assert.Equal(split.TrainingCount, training.Length);
        Assert.Equal(split.ValidationCount, validation.Length);
    }

    [Fact]
    public void EachLabelIsHeldOutInProportion()
    {
        LabeledTextFile file = WriteFile(("big", 200), ("mid", 45), ("small", 2), ("single", 1));

        var split = StratifiedSplit.Create(file, new StratifiedSplitOptions { ValidationFraction = 0.2, Seed = 3 });
        var validationCounts = split.Validation.CountBy(e => e.Label).ToDictionary();

        // round(n × 0.2), at least one for two or more examples, none for a single example.
        Assert.Equal(40, validationCounts["big"]);
        Assert.Equal(9, validationCounts["mid"]);
        Assert.Equal(1, validationCounts["small"]);
        Assert.False(validationCounts.ContainsKey("single"));
        Assert.Equal(40, split.ValidationCountOf("big"));
        Assert.Equal(160, split.TrainingCountOf("big"));
        Assert.Equal(1, split.TrainingCountOf("single"));
        Assert.Equal(["big", "mid", "single", "small"], split.Labels.ToArray());
    }

    [Fact]
    public void DefaultFractionIsATenth()
    {
        var split = StratifiedSplit.Create(WriteFile(("pos", 150), ("neg", 150)));

        Assert.Equal(15, split.ValidationCountOf("pos"));
        Assert.Equal(15, split.ValidationCountOf("neg"));
    }

    [Fact]
    public void SingleLabelIsAUserError()
    {
        LabeledTextFile file = WriteFile(("pos", 5));

        var error = Assert.Throws<UserInputException>(() => StratifiedSplit.Create(file));

        Assert.Equal($"a classifier needs at least two labels, found only 'pos' in {file.Path}", error.Message);
    }

    [Fact]
    public void NothingToHoldOutIsAUserError()
    {
        LabeledTextFile file = WriteFile(("pos", 1), ("neg", 1));

        var error = Assert.Throws<UserInputException>(() => StratifiedSplit.Create(file));

        Assert.Equal($"{file.Path} has too few examples to hold out validation: every label has only one; give validation examples of their own, or at least two examples of a label", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void FractionOutOfRangeIsAUserError(double fraction)
    {
        var error = Assert.Throws<UserInputException>(() => StratifiedSplit.Create(
            [new LabeledText("a", "x", 2)], "d.csv", new StratifiedSplitOptions { ValidationFraction = fraction }));

        Assert.StartsWith("the validation fraction must be greater than 0 and less than 1", error.Message);
    }

    [Fact]
    public void UnknownLabelCountIsAUserError()
    {
        var split = StratifiedSplit.Create(WriteFile(("pos", 3), ("neg", 3)));

        var error = Assert.Throws<UserInputException>(() => split.ValidationCountOf("meh"));

        Assert.Equal("unknown label 'meh'; the known labels are 'neg', 'pos'", error.Message);
    }

    [Fact]
    public void FileThatChangedAfterSplittingIsAUserError()
    {
        LabeledTextFile file = WriteFile(("pos", 3), ("neg", 3));
        var split = StratifiedSplit.Create(file);
        File.WriteAllText(file.Path, "text,label\na,pos\nb,other\n");

        var error = Assert.Throws<UserInputException>(() => split.Training.ToArray());

        Assert.Equal($"{file.Path} line 3: the file changed since it was split; run again", error.Message);
    }

    [Fact]
    public void ExamplesInMemoryThatChangedAfterSplittingAreNamedAsExamplesNotLines()
    {
        var examples = new List<LabeledText>();
        for (int i = 0; i < 6; i++) examples.Add(new LabeledText($"text {i}", i % 2 == 0 ? "pos" : "neg", i + 1));
        var split = StratifiedSplit.Create(examples, "the training data");
        examples[2] = examples[2] with { Label = "other" };

        var error = Assert.Throws<UserInputException>(() => split.Training.ToArray());

        Assert.Equal("the training data, example 3: the examples changed since they were split; split them again", error.Message);
    }
}
