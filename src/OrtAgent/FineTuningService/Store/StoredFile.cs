namespace OrtAgent.FineTuningService.Store;

/// <summary>An uploaded (or result) file as the store records it; <paramref name="Path"/> is where its bytes are.</summary>
internal sealed record StoredFile(string Id, long Bytes, long CreatedAt, string Filename, string Purpose, string Status, string Path);
