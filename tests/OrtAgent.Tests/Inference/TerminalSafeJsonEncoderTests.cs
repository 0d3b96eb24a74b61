using System.Text.Json;
using OrtAgent.Inference;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// The encoder of the JSON written for people: what the relaxed encoder keeps readable stays so, and the invisible
/// controls it wrote as they were (U+202E, which turned a terminal's line around) are escaped.
/// </summary>
public sealed class TerminalSafeJsonEncoderTests
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = TerminalSafeJsonEncoder.Instance };

    [Fact]
    public void FormatAndOtherControlsAreEscapedWhileQuotesAccentsAndMarkupStayReadable()
    {
        string text = "abc\u202Edef <b>&'é 中\u200B\u00AD\u0085\u2028\u2066\"\\\n";

        string json = JsonSerializer.Serialize(text, Options);

        Assert.Equal("\"abc\\u202Edef <b>&'é 中\\u200B\\u00AD\\u0085\\u2028\\u2066\\\"\\\\\\n\"", json);
        Assert.Equal(text, JsonSerializer.Deserialize<string>(json));
    }

    [Fact]
    public void AFormatCharacterBeyondTheBmpIsEscapedAsItsSurrogatePair()
    {
        // U+E0041, TAG LATIN CAPITAL LETTER A: invisible, and read by language models (ASCII smuggling).
        string text = "a\U000E0041b";

        string json = JsonSerializer.Serialize(text, Options);

        Assert.Equal("\"a\\uDB40\\uDC41b\"", json);
        Assert.Equal(text, JsonSerializer.Deserialize<string>(json));
    }

    [Fact]
    public void APropertyNameIsEscapedAsAValueIs()
    {
        string json = JsonSerializer.Serialize(new Dictionary<string, int> { ["neg\u202Eative"] = 1 }, Options);

        Assert.Equal("{\"neg\\u202Eative\":1}", json);
    }

    [Fact]
    public void ALineOfRawInputValuesGetsTheSameEscapes()
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes("{\"id\": \"a\u202Eb\u2028\U000E0041\", \"text\":\t\"é <b>\"}");

        Assert.Equal("{\"id\": \"a\\u202Eb\\u2028\\uDB40\\uDC41\", \"text\":\t\"é <b>\"}", JsonLine.From(utf8));
    }

    /// <summary>
    /// An emoji (beyond U+FFFF, a surrogate pair in .NET) was written as two <c>\u</c> escapes, as the relaxed encoder
    /// writes every such character, where the README says characters stay as they are; it stays, from a string and from
    /// UTF-8 alike. Half a pair alone is no character: it is written as U+FFFD, the replacement character, as it was;
    /// private use and unassigned characters beyond U+FFFF stay escaped, as the tags do.
    /// </summary>
    [Fact]
    public void AnEmojiStaysAsItIsWhileHalfASurrogatePairIsReplaced()
    {
        string text = "ok 😀👍🏽 \uD83D x \uDE00 中 \U000F0000";

        string json = JsonSerializer.Serialize(text, Options);

        Assert.Equal("\"ok 😀👍🏽 \uFFFD x \uFFFD 中 \\uDB80\\uDC00\"", json);
        Assert.Equal("a😀\\u202Eb😀", JsonEncodedText.Encode("a😀\u202Eb😀"u8, TerminalSafeJsonEncoder.Instance).ToString());
    }
}
