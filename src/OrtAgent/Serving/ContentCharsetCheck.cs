using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace OrtAgent.Serving;

/// <summary>
/// Names a JSON request body declared in a character set other than UTF-8 (<c>charset=iso-8859-1</c>, <c>utf-16</c>,
/// …), which no endpoint decodes: JSON is UTF-8 (RFC 8259), and the bodies are read as UTF-8 whatever the header says.
/// A Latin-1 body was refused as "not valid Unicode", and <c>charset=utf-16</c> with UTF-8 bytes was answered, so the
/// header a client sent said one thing and the server did another. US-ASCII, a subset of UTF-8, is read as it is; so
/// is <c>utf8</c>, a common spelling of UTF-8's name.
/// </summary>
internal static class ContentCharsetCheck
{
    private static readonly string[] ReadAsUtf8 = ["utf-8", "utf8", "us-ascii"];

    /// <summary>Why the body cannot be read as declared; null when it declares no charset or UTF-8 (or US-ASCII).</summary>
    public static string? Problem(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)) return null;
        string charset = HeaderUtilities.RemoveQuotes(type.Charset).ToString().Trim();
        if (charset.Length == 0 || ReadAsUtf8.Contains(charset, StringComparer.OrdinalIgnoreCase)) return null;
        return $"{request.Path.Value} takes a JSON body encoded as UTF-8; this one is declared as charset {PrintableText.Quote(charset)}, "
            + "which the server does not decode: send it as UTF-8, with charset=utf-8 or no charset";
    }
}
