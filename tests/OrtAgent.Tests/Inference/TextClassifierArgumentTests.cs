using OrtAgent.Runtime;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Inference;

/// <summary>The library's refusals of arguments it cannot use, at the call that gets them rather than later.</summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class TextClassifierArgumentTests(TinyClassifierFixture model)
{
    /// <summary>The tiny model records 32 tokens and its position table holds <see cref="TinyBertOptions.MaxPositions"/>.</summary>
    private static readonly int Positions = new TinyBertOptions().MaxPositions;

    [Fact]
    public void AMaxLengthUpToThePositionTableIsTakenAndReadsLongerTexts()
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory, new TextClassifierOptions { MaxLength = Positions });
        var longText = string.Join(' ', Enumerable.Repeat("good", Positions * 2));

        var prediction = classifier.Predict(longText);

        Assert.Contains(prediction.Label, TinyClassifierFixture.Labels);
    }

    [Fact]
    public void AMaxLengthBeyondThePositionTableIsRefusedAtLoadNamingTheOption()
    {
        var ex = Assert.Throws<InvalidOptionException>(() =>
            TextClassifier.Load(model.ModelDirectory, new TextClassifierOptions { MaxLength = Positions + 1 }));

        Assert.Equal("TextClassifierOptions.MaxLength", ex.Option);
        Assert.Equal(Positions + 1, ex.Value);
        // The real limit, read from the graph; it said "it records 32 tokens" and quoted ONNX Runtime's broadcast assertion.
        Assert.Equal($"TextClassifierOptions.MaxLength = {Positions + 1}: is longer than the {Positions} rows of "
            + $"{Path.Combine(model.ModelDirectory, "model.onnx")}'s position table, the longest sequence the model can run", ex.Message);
    }

    [Fact]
    public void NullsAreRefusedByTheCallsThatTakeOneText()
    {
        Assert.Throws<ArgumentNullException>(() => TextClassifier.Load(null!));
        Assert.Throws<ArgumentException>(() => TextClassifier.Load(""));
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        Assert.Throws<ArgumentNullException>(() => classifier.Predict(null!));
        Assert.Throws<ArgumentNullException>(() => classifier.Explain(null!));
    }
}
