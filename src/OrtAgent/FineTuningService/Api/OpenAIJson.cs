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
        // raw body. This one escapes what JSON requires and the invisible controls a file's labels or texts may hold
        // (TerminalSafeJsonEncoder); these bodies are application/json, never HTML.
        Encoder = Inference.TerminalSafeJsonEncoder.Instance,
    };
}
