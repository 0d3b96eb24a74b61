using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// Names a request body sent compressed (<c>Content-Encoding: gzip</c>, <c>br</c>, …), which no endpoint decodes. Such a
/// body was read as it came: a gzip <c>/predict</c> was a 400 saying "'0x1F' cannot start a JSON value", which sent
/// its client looking for a fault in its JSON rather than in its compression.
/// </summary>
internal static class ContentEncodingCheck
{
    /// <summary>Why the body cannot be read as sent; null when it is not encoded (no header, or <c>identity</c>).</summary>
    public static string? Problem(HttpRequest request)
    {
        if (request.Headers.ContentEncoding.Count == 0) return null;   // every request but a rare one: nothing to split
        var encodings = request.Headers.ContentEncoding.ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(coding => !coding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (encodings.Length == 0) return null;
        return $"{request.Path.Value} takes an uncompressed body; this one is sent with Content-Encoding {PrintableText.Quote(string.Join(", ", encodings))}, "
            + "which the server does not decode: send the body without it";
    }
}
