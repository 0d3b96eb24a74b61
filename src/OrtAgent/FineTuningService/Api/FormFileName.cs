using Microsoft.Net.Http.Headers;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// The name an upload's sender gave its file, decoded as its sender encoded it. RFC 7578 (4.2) leaves senders to
/// escape what a quoted <c>filename</c> cannot hold, and browsers and Node's FormData (undici) do it as the HTML
/// standard says: a quote as <c>%22</c>, CR and LF as <c>%0D</c> and <c>%0A</c>, and nothing else (a <c>%</c> is sent as
/// it is). Those three escapes are decoded, and only those: a name sent with a literal <c>%20</c> keeps it. A
/// <c>filename*</c> (RFC 6266, as .NET's HttpClient and curl may send a name beyond ASCII) is taken first, decoded
/// by its own rules; a quoted name's backslash escapes (<c>\"</c>, as curl sends a quote) are undone.
/// </summary>
internal static class FormFileName
{
    /// <summary>The decoded file name of the part whose Content-Disposition is <paramref name="disposition"/>; empty when it gives none.</summary>
    /// <exception cref="OpenAIApiException">400 naming <c>file</c> for a name sent in bytes that are not UTF-8.</exception>
    public static string Of(ContentDispositionHeaderValue disposition)
    {
        string name = Decoded(disposition);
        // The form reader decodes a part's headers as UTF-8, each byte that is not as U+FFFD, so a name sent in Latin-1
        // or cut mid-character was stored with U+FFFD in it without a word. A name that means U+FFFD itself is refused too.
        if (name.Contains('\uFFFD', StringComparison.Ordinal))
            throw OpenAIApiException.BadRequest(
                $"the file name {PrintableText.Quote(name)} is not valid Unicode text: it holds bytes that are not UTF-8 (shown as '?'); send the name as UTF-8",
                "file", "invalid_file_name");
        return name;
    }

    private static string Decoded(ContentDispositionHeaderValue disposition)
    {
        if (disposition.FileNameStar.HasValue) return disposition.FileNameStar.ToString();
        string unquoted = HeaderUtilities.RemoveQuotes(disposition.FileName).ToString();
        // The quoted-pairs a sender writes in a quoted name (\" and \\); a lone backslash is kept, as old browsers sent
        // Windows paths unescaped.
        return DecodeFormEscapes(unquoted.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal));
    }

    /// <summary>Undoes the HTML standard's escapes of a form's names: <c>%22</c>, <c>%0D</c> and <c>%0A</c>, in either case.</summary>
    internal static string DecodeFormEscapes(string name)
    {
        if (!name.Contains('%', StringComparison.Ordinal)) return name;
        var decoded = new System.Text.StringBuilder(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            char? escaped = i + 2 < name.Length && name[i] == '%' ? name.Substring(i + 1, 2).ToUpperInvariant() switch
            {
                "22" => '"',
                "0D" => '\r',
                "0A" => '\n',
                _ => null,
            } : null;
            if (escaped is { } c)
            {
                decoded.Append(c);
                i += 2;
            }
            else decoded.Append(name[i]);
        }
        return decoded.ToString();
    }
}
