using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A graph that fixes its sequence length in its inputs' shape (8 tokens here) and has no position table for the
/// loader to read. It did not load: the vocabulary check's 3-token text failed, blamed on vocab.txt. Every batch is now
/// padded to the fixed length, texts are cut to it whatever the model records (the info keeps a longer record), and a
/// <see cref="TextClassifierOptions.MaxLength"/> above it is refused at load in the position table's words.
/// </summary>
public sealed class FixedSequenceLengthTests : IDisposable
{
    private const int SequenceLength = 8;
    private readonly TempDirectory _directory = new("fixed-sequence");

    public FixedSequenceLengthTests() =>
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment with { SequenceLength = SequenceLength });

    public void Dispose() => _directory.Dispose();

    private string ModelPath => Path.Combine(_directory.Path, "model.onnx");

    /// <summary>It was refused only by the load-time run of a text that long, in words that did not say why.</summary>
    [Fact]
    public void AMaxLengthAboveTheFixedLengthIsRefusedAtLoadInThePositionTablesWords()
    {
        var error = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 12 }));

        Assert.Equal("TextClassifierOptions.MaxLength", error.Option);
        Assert.Equal(12, error.Value);
        Assert.Equal($"TextClassifierOptions.MaxLength = 12: is longer than 8, the sequence length {ModelPath}'s inputs fix, the longest sequence the model can run",
            error.Message);
    }

    [Fact]
    public void TextsShorterAndLongerThanTheFixedLengthAreClassified()
    {
        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal("positive", classifier.Predict("great").Label);
        Assert.Null(classifier.Info.RecordedMaxLength);
        Assert.Equal("negative", classifier.Predict("the movie was really very awful and boring and bad").Label);
    }

    /// <summary>
    /// A static export keeps its source's longer record (config.json's 512 over inputs fixed at 128): the encoder cut at
    /// the record, and the first text past the fixed length failed inside ONNX Runtime.
    /// </summary>
    [Fact]
    public void ARecordLongerThanTheFixedLengthIsHeldToItAndALongTextIsCutThere()
    {
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment with { SequenceLength = SequenceLength, RecordedMaxLength = 32 });
        using var classifier = TextClassifier.Load(_directory.Path);

        // 10 pieces: the 6 kept end at "awful", and the 4 cut would have made it positive.
        var prediction = classifier.Predict("the movie was really very awful great great great great");

        Assert.Equal(SequenceLength, classifier.Info.MaxLength);
        Assert.Equal(32, classifier.Info.RecordedMaxLength);
        Assert.Equal("negative", prediction.Label);
        Assert.True(prediction.Truncated);
        Assert.False(classifier.Predict("the movie was great").Truncated);
    }

    /// <summary>Above the fixed length and within the record, it loaded and failed on the first text that long.</summary>
    [Fact]
    public void AMaxLengthWithinTheRecordButAboveTheFixedLengthIsRefusedAtLoad()
    {
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment with { SequenceLength = SequenceLength, RecordedMaxLength = 32 });

        var error = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 16 }));

        Assert.Equal($"TextClassifierOptions.MaxLength = 16: is longer than 8, the sequence length {ModelPath}'s inputs fix, the longest sequence the model can run",
            error.Message);
    }
}
