using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests.Text;

/// <summary>
/// The normaliser writes into a pooled buffer that grows when the text does (each CJK ideograph set apart by two
/// spaces, stripped accents): texts far longer after normalising than before must come out whole, and a buffer the
/// pool hands out again must not leak one text's characters into the next.
/// </summary>
public sealed class BertTextNormalizerTests
{
    [Fact]
    public void IdeographsThreeTimesTheTextsLengthComeOutWhole()
    {
        var text = string.Concat(Enumerable.Repeat("日本語", 100));

        var normalized = new BertTextNormalizer(lowerCase: true).Normalize(text);

        Assert.Equal(string.Concat(Enumerable.Repeat(" 日  本  語 ", 100)), normalized);
    }

    [Fact]
    public void WhitespaceControlsAccentsAndCaseAsBefore()
    {
        var normalizer = new BertTextNormalizer(lowerCase: true);

        Assert.Equal("cafe nino x", normalizer.Normalize("Café\tNIÑO\u200B\u0000\nX"));
        Assert.Equal("ab", normalizer.Normalize("AB"));
        Assert.Equal("", normalizer.Normalize(""));
    }

    [Fact]
    public void ACasedNormaliserKeepsAccentsAndCase()
    {
        Assert.Equal("Café  NIÑO", new BertTextNormalizer(lowerCase: false).Normalize("Café\r\nNIÑO\u00AD"));
    }
}
