using System.Globalization;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// What a distillation's artifacts record of their student (<see cref="TrainingArtifacts.StudentRecordFile"/>), which
/// its graphs and checkpoint do not say: the teacher it was cut from, the teacher layers it keeps, and the teacher's
/// accuracy on the run's validation examples. A resumed run keeps the teacher and layers; an export from the checkpoint
/// names them on its card.
/// </summary>
/// <param name="Teacher">The teacher's directory, a full path.</param>
/// <param name="KeptLayers">The teacher layers the student keeps, in student order.</param>
/// <param name="TeacherAccuracy">The teacher's validation accuracy; null in records written before 2026-12-05.</param>
public sealed record StudentRecord(string Teacher, IReadOnlyList<int> KeptLayers, double? TeacherAccuracy)
{
    /// <summary>
    /// What tells the teacher from another wherever it lies (<see cref="TeacherModel.Digest"/>: the SHA-256 of its
    /// <c>model.onnx</c> and <c>vocab.txt</c>), by which a resumed run knows its teacher moved to another folder; null in
    /// records written before 2026-12-07, whose teacher is known by its folder only.
    /// </summary>
    public string? TeacherDigest { get; init; }

    /// <summary>Writes the record into <paramref name="artifactsDirectory"/>, replacing one there: four lines, the layers comma-separated.</summary>
    public void Write(string artifactsDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(artifactsDirectory, TrainingArtifacts.StudentRecordFile),
            $"{Teacher}\n{string.Join(",", KeptLayers)}\n{TeacherAccuracy?.ToString("R", CultureInfo.InvariantCulture)}\n{TeacherDigest}\n");

    /// <summary>The record in <paramref name="artifactsDirectory"/>, or null when it has none (artifacts written before 2026-12-04) or it cannot be read as one.</summary>
    public static StudentRecord? Read(string artifactsDirectory)
    {
        var path = Path.Combine(artifactsDirectory, TrainingArtifacts.StudentRecordFile);
        if (!File.Exists(path) || File.ReadAllLines(path) is not [{ Length: > 0 } teacher, var layers, .. var rest]) return null;
        var kept = layers.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1).ToList();
        double? accuracy = rest is [var recorded, ..]
            && double.TryParse(recorded, NumberStyles.Float, CultureInfo.InvariantCulture, out double a)
            && a is >= 0 and <= 1 ? a : null;
        string? digest = rest is [_, var recordedDigest, ..] && recordedDigest.Length == 64 && recordedDigest.All(char.IsAsciiHexDigitLower) ? recordedDigest : null;
        return kept.Count == 0 || kept.Contains(-1) ? null : new StudentRecord(teacher, kept, accuracy) { TeacherDigest = digest };
    }
}
