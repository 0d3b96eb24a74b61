using OrtAgent.Training.Contrastive;

namespace OrtAgent.Training.Tests.Contrastive;

/// <summary>How the head's C is chosen: on a validation split big enough to choose by, else by cross-validation.</summary>
public sealed class HeadSelectionTests
{
    /// <summary>Two separable classes along the first feature, with seeded noise in both features.</summary>
    private static (float[][] X, int[] Y) Separable(int perClass, int seed, bool flipLabels = false)
    {
        var random = new Random(seed);
        var x = new List<float[]>();
        var y = new List<int>();
        for (int i = 0; i < 2 * perClass; i++)
        {
            int label = i % 2;
            x.Add([(label == 0 ? 1f : -1f) + (float)(0.3 * (random.NextDouble() * 2 - 1)), (float)(0.3 * (random.NextDouble() * 2 - 1))]);
            y.Add(flipLabels ? 1 - label : label);
        }
        return (x.ToArray(), y.ToArray());
    }

    private static readonly ContrastiveOptions Options = new() { HeadCGrid = [0.01, 1, 1000], Seed = 7 };

    [Fact]
    public void ATinyValidationSplitDoesNotChooseC_CrossValidationOnTheTrainingExamplesDoes()
    {
        var (train, trainLabels) = Separable(7, 1);
        var (clean, cleanLabels) = Separable(1, 2);
        var (flipped, flippedLabels) = Separable(1, 2, flipLabels: true);

        // Two validation texts under the threshold: both sets, even one labelled backwards, leave the choice to the
        // training folds, where every C separates the classes and the most confident (lowest held-out loss) wins.
        var (_, onClean) = HeadSelection.Choose(train, trainLabels, clean, cleanLabels, 2, Options);
        var (head, onFlipped) = HeadSelection.Choose(train, trainLabels, flipped, flippedLabels, 2, Options);
        Assert.Equal(HeadChoice.CrossValidation, onFlipped.Choice);
        Assert.Equal(5, onFlipped.Folds);
        Assert.Equal("5-fold cross-validation on the training examples", onFlipped.Basis);
        Assert.All(onFlipped.Candidates, c => Assert.Equal(1.0, c.Accuracy));
        Assert.Equal(1000, onFlipped.C);
        Assert.Equal(onClean.C, onFlipped.C);
        Assert.Equal(onClean.Candidates, onFlipped.Candidates);
        Assert.Equal(1000, head.C);

        // Allowed to choose on those two texts, the backwards ones mislead it: every C gets both wrong, and the least
        // confident head loses least.
        var (_, misled) = HeadSelection.Choose(train, trainLabels, flipped, flippedLabels, 2, Options with { MinimumValidationToSelect = 0 });
        Assert.Equal(HeadChoice.Validation, misled.Choice);
        Assert.Equal(0, misled.Folds);
        Assert.All(misled.Candidates, c => Assert.Equal(0.0, c.Accuracy));
        Assert.Equal(0.01, misled.C);
    }

    [Fact]
    public void FoldsAreCappedBySmallestClass_AndASingleExampleOfAClassFallsBackToValidation()
    {
        var (train, labels) = Separable(3, 3);
        var (validation, validationLabels) = Separable(1, 4);
        Assert.Equal(3, HeadSelection.Choose(train, labels, validation, validationLabels, 2, Options).Selection.Folds);

        var (one, oneLabels) = Separable(1, 5);
        var (_, selection) = HeadSelection.Choose(one, oneLabels, validation, validationLabels, 2, Options);
        Assert.Equal(HeadChoice.Validation, selection.Choice);
        Assert.Equal(3, selection.Candidates.Count);
    }

    [Fact]
    public void AFixedCIsFittedWithoutComparingOthers()
    {
        var (train, labels) = Separable(7, 1);
        var (validation, validationLabels) = Separable(1, 2);
        var (head, selection) = HeadSelection.Choose(train, labels, validation, validationLabels, 2, Options with { HeadC = 3 });
        Assert.Equal(HeadChoice.Fixed, selection.Choice);
        Assert.Equal(3, head.C);
        Assert.Equal(1.0, Assert.Single(selection.Candidates).Accuracy);
    }

    [Fact]
    public void FoldsDealEachClassEvenlyInASeededOrder()
    {
        int[] labels = [.. Enumerable.Repeat(0, 11), .. Enumerable.Repeat(1, 7)];
        var folds = HeadSelection.AssignFolds(labels, 3, seed: 1);
        foreach (int label in new[] { 0, 1 })
        {
            var sizes = Enumerable.Range(0, 3).Select(f => Enumerable.Range(0, labels.Length).Count(i => labels[i] == label && folds[i] == f)).ToArray();
            Assert.True(sizes.Max() - sizes.Min() <= 1, $"label {label}: fold sizes {string.Join(", ", sizes)}");
        }
        Assert.Equal(folds, HeadSelection.AssignFolds(labels, 3, seed: 1));
        Assert.NotEqual(folds, HeadSelection.AssignFolds(labels, 3, seed: 2));
    }
}
