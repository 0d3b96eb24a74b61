using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A graph that fixes its sequence length in its inputs' shape (8 tokens here) and has no position table for the
/// loader to read. It did not load: the vocabulary check's 3-token text failed, blamed on vocab.txt. Every batch is now
/// padded to the fixed length, and a <see cref="TextClassifierOptions.MaxLength"/> above the length the model records
/// is run once at load, so that a longer one is refused there rather than on the first text that long.
/// </summary>
public sealed class FixedSequenceLengthTests : IDisposable
{
    private const int SequenceLength = 8;
    private readonly TempDirectory _directory = new("fixed-sequence");

    public FixedSequenceLengthTests() =>
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment with { SequenceLength = SequenceLength });

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AMaxLengthAboveTheFixedLengthIsRefusedAtLoadNamingTheOption()
    {
        var error = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 12 }));

        Assert.Equal("TextClassifierOptions.MaxLength", error.Option);
        Assert.Equal(12, error.Value);
        Assert.Equal($"TextClassifierOptions.MaxLength = 12: is longer than {_directory.Path}'s model can run: it records 8 tokens, and a text of 12 fails in ONNX Runtime",
            error.Message);
    }

    [Fact]
    public void TextsShorterAndLongerThanTheFixedLengthAreClassified()
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal("positive", classifier.Predict("great").Label);
        Assert.Equal("negative", classifier.Predict("the movie was really very awful and boring and bad").Label);
    }
}
