using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.FineTuningService.Api;

/// <summary>Query-string parameters shared by the list endpoints.</summary>
internal static class Query
{
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

    /// <summary>The <c>order</c> parameter of the files list: <c>desc</c> (newest first, the default) or <c>asc</c>.</summary>
    public static bool OldestFirst(HttpContext context) => context.Request.Query["order"].FirstOrDefault() switch
    {
        null or "desc" => false,
        "asc" => true,
        var other => throw OpenAIApiException.BadRequest($"order must be 'asc' or 'desc', not '{other}'", "order"),
    };
}
