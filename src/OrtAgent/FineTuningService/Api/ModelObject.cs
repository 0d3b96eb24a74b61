namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's <c>model</c> object (note <c>created</c>, not <c>created_at</c>).</summary>
public sealed record ModelObject(string Id, long Created, string OwnedBy)
{
    public string Object => "model";
}
