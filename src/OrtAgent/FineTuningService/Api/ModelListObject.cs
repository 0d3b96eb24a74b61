namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// OpenAI's model list, <c>{"object": "list", "data": [...]}</c>, with the <c>has_more</c> every list of this service
/// carries (false: every model is listed at once). Not <see cref="ListObject{T}"/>: OpenAI's model list takes no
/// <c>after</c> and has no cursors, and <c>first_id</c> and <c>last_id</c> were written null beside a full <c>data</c>.
/// </summary>
public sealed record ModelListObject(IReadOnlyList<ModelObject> Data)
{
    public string Object => "list";

    public bool HasMore => false;
}
