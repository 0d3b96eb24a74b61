using System.Globalization;
using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Api;

/// <summary>Query-string parameters shared by the list endpoints.</summary>
internal static class Query
{
    /// <summary>
    /// Refuses a query parameter the route does not read (400 <c>unknown_parameter</c>, naming it), as a body's
    /// unrecognized argument is: ignored, a misspelt <c>?limt=5</c> listed 20 and <c>?model=x</c> on a route that takes
    /// no query was answered as if plain. Names are matched without case, as ASP.NET reads them; <c>metadata</c> covers
    /// <c>metadata[KEY]</c>, which <see cref="MetadataFilter"/> judges. A parameter given twice is refused too
    /// (400 <c>invalid_value</c>, naming it).
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="taken">The parameters the route reads: OpenAI's for it.</param>
    /// <exception cref="OpenAIApiException">A parameter is not among <paramref name="taken"/>, or is given more than once.</exception>
    public static void RefuseUnread(HttpContext context, IReadOnlyCollection<string> taken)
    {
        foreach (var (name, values) in context.Request.Query)
        {
            if (taken.Any(known => known == "metadata" ? name.StartsWith(known, StringComparison.OrdinalIgnoreCase) : name.Equals(known, StringComparison.OrdinalIgnoreCase)))
            {
                // ?limit=1&limit=2 was read as its first value without a word; which one the client meant is not ours to guess.
                if (values.Count > 1)
                    throw OpenAIApiException.BadRequest($"the query gives {PrintableText.Quote(name)} {values.Count} times; give it once", name, "invalid_value");
                continue;
            }
            throw OpenAIApiException.BadRequest(
                $"unrecognized query parameter {PrintableText.Quote(name)}; {context.Request.Method} {context.Request.Path.Value} takes "
                + (taken.Count == 0 ? "none" : string.Join(", ", taken)),
                name, OpenAIApiException.UnknownParameter);
        }
    }

    /// <summary>
    /// The <c>limit</c> parameter, between 1 and <paramref name="max"/>; <paramref name="missing"/> when it is absent
    /// (OpenAI's lists default to 20, its files list to all of its 10,000).
    /// </summary>
    public static int Limit(HttpContext context, int max = 100, int missing = 20)
    {
        var text = context.Request.Query["limit"].FirstOrDefault();
        if (text is null) return missing;
        string range = $"1 to {max}";
        bool negative = text.StartsWith('-');
        string digits = negative ? text[1..] : text;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) throw OpenAIApiException.WrongType("limit", "limit", PrintableText.Quote(text), $"a whole number from {range}");
        // Digits past int's range are over the range too, not text of the wrong kind.
        if (negative || digits.TrimStart('0').Length == 0) throw OpenAIApiException.OutOfRange("limit", "limit", text, range, below: true);
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int limit) || limit > max)
            throw OpenAIApiException.OutOfRange("limit", "limit", text, range, below: false);
        return limit;
    }

    /// <summary>The <c>after</c> cursor; an empty one (<c>?after=</c>, a client's unset cursor) is none, so the list starts at its first page.</summary>
    public static string? After(HttpContext context) => context.Request.Query["after"].FirstOrDefault() is { Length: > 0 } after ? after : null;

    /// <summary>
    /// The job list's <c>metadata</c> filter as OpenAI's clients send it: <c>metadata[KEY]=VALUE</c> for each pair a job's
    /// metadata must hold, or <c>metadata=null</c> (from the Node library, <c>metadata=</c>) for the jobs without metadata;
    /// null when the query has neither.
    /// Anything else under that name is refused rather than ignored, since an ignored filter lists every job as a match.
    /// </summary>
    public static JobMetadataFilter? MetadataFilter(HttpContext context)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        bool withoutMetadata = false;
        foreach (var (name, values) in context.Request.Query)
        {
            // Query names are matched without case, as ASP.NET looks them up: an ordinal match ignored Metadata[k]=v,
            // and listed every job as a match.
            if (!name.StartsWith("metadata", StringComparison.OrdinalIgnoreCase)) continue;
            if (values.Count > 1) throw OpenAIApiException.BadRequest($"the query gives {PrintableText.Quote(name)} {values.Count} times; give it once", "metadata", "invalid_value");
            string value = values.ToString();
            if (name.Equals("metadata", StringComparison.OrdinalIgnoreCase))
            {
                // OpenAI's Node library sends its typed metadata: null, which its docs give for "jobs without
                // metadata", as metadata= (an empty value); refused, that filter could not be asked for from Node.
                if (value is not ("null" or ""))
                    throw OpenAIApiException.BadRequest(
                        $"metadata={PrintableText.Quote(value)} is not a filter; give metadata[KEY]=VALUE for each pair the jobs must have, or metadata=null for jobs without metadata",
                        "metadata", "invalid_value");
                withoutMetadata = true;
            }
            // The key runs to the last ']': OpenAI's Node library (qs) does not escape brackets in it, so a key "a]b",
            // which a job's creation accepts, arrives as metadata[a]b] and could not be filtered on.
            else if (name.Length > "metadata[]".Length && name[8] == '[' && name[^1] == ']')
                pairs[name[9..^1]] = value;
            else
                throw OpenAIApiException.BadRequest(
                    $"query parameter {PrintableText.Quote(name)} is not a metadata filter; give metadata[KEY]=VALUE, or metadata=null", "metadata", "invalid_value");
        }
        if (withoutMetadata && pairs.Count > 0)
            throw OpenAIApiException.BadRequest("metadata=null (jobs without metadata) and metadata[KEY]=VALUE cannot both be given", "metadata", "invalid_value");
        return withoutMetadata || pairs.Count > 0 ? new JobMetadataFilter { Pairs = pairs, WithoutMetadata = withoutMetadata } : null;
    }

    /// <summary>The <c>order</c> parameter of the files list: <c>desc</c> (newest first, the default) or <c>asc</c>.</summary>
    public static bool OldestFirst(HttpContext context) => context.Request.Query["order"].FirstOrDefault() switch
    {
        null or "desc" => false,
        "asc" => true,
        var other => throw OpenAIApiException.BadRequest($"order must be 'asc' or 'desc', not {PrintableText.Quote(other)}", "order", "invalid_value"),
    };
}
