using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's <c>file</c> object.</summary>
public sealed record FileObject(string Id, long Bytes, long CreatedAt, string Filename, string Purpose, string Status)
{
    public string Object => "file";

    internal static FileObject From(StoredFile file) => new(file.Id, file.Bytes, file.CreatedAt, file.Filename, file.Purpose, file.Status);
}
