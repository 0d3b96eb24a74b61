using OrtAgent.Data;
using OrtAgent.Training.Data;

namespace OrtAgent.Training.Tests.Data;

/// <summary>What <see cref="ExampleDigest"/>'s docs say of its lifetime: read and fed on, disposed by its creator, refused once disposed.</summary>
public sealed class ExampleDigestTests
{
    [Fact]
    public void ADigestReadSoFarGoesOnAsOneFedAllAtOnce()
    {
        using var digest = new ExampleDigest();
        digest.Add("great film", "positive");
        string first = digest.Hex();
        digest.Add("dull film", "negative");

        Assert.NotEqual(first, digest.Hex());
        Assert.Equal(ExampleDigest.Of([new LabeledExample("great film", "positive"), new LabeledExample("dull film", "negative")]), digest.Hex());
        Assert.Equal(2, digest.Count);
    }

    [Fact]
    public void ADisposedDigestRefusesToBeFedOrReadAndMayBeDisposedAgain()
    {
        var digest = new ExampleDigest();
        digest.Dispose();
        digest.Dispose();

        Assert.Throws<ObjectDisposedException>(() => digest.Add("text", "label"));
        Assert.Throws<ObjectDisposedException>(() => digest.Hex());
    }
}
