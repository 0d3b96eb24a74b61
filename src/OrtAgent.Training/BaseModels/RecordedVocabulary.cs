namespace OrtAgent.Training.BaseModels;

/// <summary>
/// The vocabulary trained weights were trained with, as their records give it: the SHA-256 of its tokens
/// (<c>VocabularyFit.DigestOf</c>) and, for a refusal, what records it (<c>the run in '…'</c>, <c>--init-from …</c>).
/// </summary>
internal readonly record struct RecordedVocabulary(string Sha256, string RecordedBy)
{
    /// <summary>The vocabulary <paramref name="sha256"/> records, or null where nothing is recorded (artifacts and exports made before the digest was).</summary>
    public static RecordedVocabulary? Of(string? sha256, string recordedBy) => sha256 is null ? null : new RecordedVocabulary(sha256, recordedBy);
}
