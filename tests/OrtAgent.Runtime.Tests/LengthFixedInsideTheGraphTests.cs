using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A graph whose inputs take any length but which slices a table of 8 rows to the sequence's length, which the position
/// table's finder does not take for a table: neither the table nor the inputs bound its length, so a
/// <see cref="TextClassifierOptions.MaxLength"/> above the recorded 8 is run once at load to be sure.
/// </summary>
public sealed class LengthFixedInsideTheGraphTests : IDisposable
{
    private readonly TempDirectory _directory = new("inner-length");

    public LengthFixedInsideTheGraphTests() =>
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment with { InnerLengthLimit = 8, RecordedMaxLength = 8 });

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AMaxLengthAboveWhatTheGraphRunsIsRefusedAtLoadNamingTheRecordAndTheFailedLength()
    {
        var error = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 12 }));

        Assert.Equal("TextClassifierOptions.MaxLength", error.Option);
        Assert.Equal(12, error.Value);
        Assert.Equal($"TextClassifierOptions.MaxLength = 12: is longer than {_directory.Path}'s model can run: it records 8 tokens, and a text of 12 fails in ONNX Runtime",
            error.Message);
    }

    [Fact]
    public void TheRecordedLengthLoadsAndCutsTextsThere()
    {
        using var classifier = TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 8 });

        // 10 pieces: the 6 kept end at "awful", and the 4 cut would have made it positive.
        var prediction = classifier.Predict("the movie was really very awful great great great great");

        Assert.Equal("negative", prediction.Label);
        Assert.True(prediction.Truncated);
    }
}
