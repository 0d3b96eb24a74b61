using System.Text.Json;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's <c>fine_tuning.job.event</c> object.</summary>
public sealed record JobEventObject(string Id, long CreatedAt, string Level, string Message, string Type, JsonElement? Data)
{
    public string Object => "fine_tuning.job.event";

    internal static JobEventObject From(JobEvent e) =>
        new(e.Id, e.CreatedAt, e.Level, e.Message, e.Type, e.DataJson is null ? null : JsonSerializer.Deserialize<JsonElement>(e.DataJson));
}
