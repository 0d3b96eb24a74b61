using OrtAgent.Runtime.Tests.Text;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// Public members refuse arguments that cannot work as .NET does: ArgumentNullException or
/// ArgumentOutOfRangeException naming the parameter, before any work. Each case failed otherwise: a
/// NullReferenceException from inside, an IndexOutOfRangeException, a negative length taken, a null accepted, the
/// wrong parameter named, or a message that said a directory "does not exist".
/// </summary>
public sealed class ArgumentCheckTests : IDisposable
{
    private readonly TinyBertVocabulary _vocabulary = new();

    public void Dispose() => _vocabulary.Dispose();

    public static TheoryData<string> Cases => new()
    {
        "FromTokenIds null row", "FromTokenIds negative minimum length", "MeasurePaddingEfficiency index out of range",
        "Prediction null probabilities", "InvalidOptionException null option", "InvalidOptionException null problem",
        "EncodeBatch null text",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnArgumentThatCannotWorkIsRefusedNamingItsParameter(string call)
    {
        var (expected, parameter, act) = call switch
        {
            "FromTokenIds null row" => (typeof(ArgumentNullException), "row", (Action)(() => EncodedBatch.FromTokenIds(1, null!, 0))),
            "FromTokenIds negative minimum length" => (typeof(ArgumentOutOfRangeException), "minimumLength",
                () => EncodedBatch.FromTokenIds(1, _ => new[] { 2, 3 }, 0, minimumLength: -1)),
            "MeasurePaddingEfficiency index out of range" => (typeof(ArgumentOutOfRangeException), "batches",
                () => LengthBucketBatcher.MeasurePaddingEfficiency([3, 4], [[0, 2]])),
            "Prediction null probabilities" => (typeof(ArgumentNullException), "Probabilities", () => new Prediction("a", 1, null!)),
            "InvalidOptionException null option" => (typeof(ArgumentNullException), "option", () => _ = new InvalidOptionException(null!, 1, "must be 0")),
            "InvalidOptionException null problem" => (typeof(ArgumentNullException), "problem", () => _ = new InvalidOptionException("Options.Size", 1, null!)),
            _ => (typeof(ArgumentNullException), "texts[1]", () => BertTextEncoder.Create(_vocabulary.FilePath).EncodeBatch(["the movie", null!])),
        };

        var error = Assert.Throws(expected, act);

        Assert.Equal(parameter, ((ArgumentException)error).ParamName);
    }

    [Fact]
    public void ADirectoryGivenForTheVocabularyIsSaidToBeOne()
    {
        string directory = Path.GetDirectoryName(_vocabulary.FilePath)!;

        var error = Assert.Throws<FileNotFoundException>(() => BertTextEncoder.Create(directory));

        Assert.Equal($"BERT vocabulary '{directory}' is a directory; give the path of the vocab.txt file.", error.Message);
    }
}
