using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// The model folder a run exports to, kept in its artifacts (<see cref="TrainingArtifacts.OutputRecordFile"/>) so that
/// a resumed run exports there again, whoever began it (<see cref="TextClassifiers.TextClassifierTrainer"/>'s Train and
/// Distill, <c>ortagent train</c>, <c>ortagent distill</c>) and whoever resumes it. Its first line is the folder's full
/// path, resolved where the run began (all a record written before 2026-12-07 holds); its second the path as it was
/// given, so a resumed run names the folder as the first run did (<c>models/reviews</c>, not the full path).
/// </summary>
internal static class OutputRecord
{
    /// <summary>
    /// Records <paramref name="output"/>, resolved against the current directory. A record of the same folder keeps the
    /// path first given: a run resumed from another directory, which names the folder by its full path, goes on naming
    /// it as typed wherever it is resumed from next.
    /// </summary>
    public static void Write(string artifactsDirectory, string output)
    {
        string full = FullPath(output);
        string given = Lines(artifactsDirectory) is [var recorded, { Length: > 0 } first, ..] && recorded == full ? first : output;
        AtomicFile.WriteAllText(Path.Combine(artifactsDirectory, TrainingArtifacts.OutputRecordFile), $"{full}\n{given}\n");
    }

    /// <summary>
    /// The recorded folder as a resumed run writes to and names it: as it was given while that still names the same
    /// folder from the current directory (a relative path resumed where the run began), else its full path (resumed from
    /// elsewhere, the run still exports where it began, not under the current directory); null when none is recorded.
    /// </summary>
    public static string? Read(string artifactsDirectory) => Lines(artifactsDirectory) switch
    {
        [{ Length: > 0 } full, { Length: > 0 } given, ..] when FullPath(given) == full => given,
        [{ Length: > 0 } full, ..] => full,
        _ => null,
    };

    /// <summary>
    /// What is wrong with <paramref name="output"/> as a record's line, or null: a name holding a line break was read back
    /// as its first line, another folder, and a resume exported over the model there.
    /// </summary>
    public static string? Refusal(string output) =>
        LineBreakRefusal(output, $"the run's record of where it exports ({TrainingArtifacts.OutputRecordFile})", "name a folder without one");

    /// <summary>
    /// What is wrong with <paramref name="path"/> as a line of <paramref name="record"/> (a run's record of one line a
    /// value, which a resumed run reads back), or null: a line break in it would be read back as two values.
    /// </summary>
    public static string? LineBreakRefusal(string path, string record, string remedy) =>
        path.AsSpan().IndexOfAny('\n', '\r') >= 0 ? $"holds a line break, which {record} cannot keep; {remedy}" : null;

    private static string[]? Lines(string artifactsDirectory)
    {
        var path = Path.Combine(artifactsDirectory, TrainingArtifacts.OutputRecordFile);
        return File.Exists(path) ? File.ReadAllLines(path) : null;
    }

    private static string FullPath(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
