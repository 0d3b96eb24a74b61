using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// The model folder a run exports to, kept in its artifacts (<see cref="TrainingArtifacts.OutputRecordFile"/>, its full
/// path on one line) so that a resumed run exports there again, whoever began it (<see cref="TextClassifiers.TextClassifierTrainer"/>'s
/// Train and Distill, <c>ortagent train</c>, <c>ortagent distill</c>) and whoever resumes it.
/// </summary>
internal static class OutputRecord
{
    /// <summary>Records <paramref name="output"/>, resolved against the current directory.</summary>
    public static void Write(string artifactsDirectory, string output) =>
        AtomicFile.WriteAllText(Path.Combine(artifactsDirectory, TrainingArtifacts.OutputRecordFile), FullPath(output) + "\n");

    /// <summary>The recorded folder's full path; null when none is recorded.</summary>
    public static string? Read(string artifactsDirectory)
    {
        var path = Path.Combine(artifactsDirectory, TrainingArtifacts.OutputRecordFile);
        return File.Exists(path) && File.ReadAllLines(path) is [{ Length: > 0 } full, ..] ? full : null;
    }

    private static string FullPath(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
