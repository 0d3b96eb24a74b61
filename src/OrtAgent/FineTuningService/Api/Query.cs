using Microsoft.AspNetCore.Http;

namespace OrtAgent.FineTuningService.Api;

/// <summary>Query-string parameters shared by the list endpoints.</summary>
internal static class Query
{
    /// <summary>The <c>limit</c> parameter (default 20), between 1 and <paramref name="max"/>.</summary>
    public static int Limit(HttpContext context, int max = 100)
    {
        var text = context.Request.Query["limit"].FirstOrDefault();
        if (text is null) return 20;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int limit) || limit < 1 || limit > max)
            throw OpenAIApiException.BadRequest($"limit must be a whole number between 1 and {max}", "limit");
        return limit;
    }

    public static string? After(HttpContext context) => context.Request.Query["after"].FirstOrDefault();
}
