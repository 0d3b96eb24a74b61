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
    };
}
