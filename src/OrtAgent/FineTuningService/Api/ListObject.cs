namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's list envelope: <c>{"object": "list", "data": [...], "has_more", "first_id", "last_id"}</c>.</summary>
public sealed record ListObject<T>(IReadOnlyList<T> Data, bool HasMore, string? FirstId, string? LastId)
{
    public string Object => "list";
}
