using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// JSON as OpenAI's API writes it: snake_case names, and null fields written as <c>null</c> rather than left out
/// (clients read <c>"error": null</c> and <c>"fine_tuned_model": null</c>).
/// </summary>
internal static class OpenAIJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Messages quote names ('model') and say 0.00005 × n: the default encoder wrote \u0027 and \u00D7, unreadable in a
        // raw body. The relaxed one still escapes what JSON requires; these bodies are application/json, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
