using System.Text.Json;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's <c>fine_tuning.job.event</c> object.</summary>
public sealed record JobEventObject(string Id, long CreatedAt, string Level, string Message, string Type, JsonElement? Data)
{
    public string Object => "fine_tuning.job.event";

    // OpenAI's spec types data as an object on every event, and its API sends a message event's as {}: a client generated
    // from the spec (a non-nullable map) fails on null.
    private static readonly JsonElement NoData = JsonDocument.Parse("{}").RootElement.Clone();

    internal static JobEventObject From(JobEvent e) =>
        new(e.Id, e.CreatedAt, e.Level, e.Message, e.Type, e.DataJson is null ? NoData : JsonSerializer.Deserialize<JsonElement>(e.DataJson));
}
