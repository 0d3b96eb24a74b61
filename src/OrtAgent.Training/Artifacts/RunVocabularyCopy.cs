using OrtAgent.Runtime;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// The copy of its base's <c>vocab.txt</c> a run keeps in its artifacts, which its exports ship with the model.
/// Artifacts may lack it (an older build's run, or one copied without it); a resumed one trained every remaining epoch
/// and only then was refused by its export. <see cref="RestoreFromBase"/> puts it back before a resumed run trains, and
/// <see cref="RestoreFromTeacher"/> before a resumed distillation does.
/// </summary>
internal static class RunVocabularyCopy
{
    /// <summary>
    /// Writes <paramref name="baseModel"/>'s <c>vocab.txt</c> into the artifacts of <paramref name="run"/>, a resumed
    /// run whose copy is missing, whole or not at all; nothing where the copy is there.
    /// </summary>
    /// <remarks>
    /// The base's file is the run's vocabulary: the run tokenizes with it, so the model it exports must too. Where the
    /// artifacts record the tokens' digest it is held to it (again: the caller's tokenizer read the file earlier). A run
    /// set up before the digest was recorded has only its base to go by, the one its properties name, which the callers
    /// hold a resumed run to (another base is refused), so its file is taken as the run's.
    /// </remarks>
    /// <param name="run">The resumed run's artifacts, claimed by the caller.</param>
    /// <param name="baseModel">The base the run tokenizes with: the one its properties name.</param>
    /// <returns>The line that says the copy was put back, for the caller to show; null where nothing was written.</returns>
    /// <exception cref="UserInputException">The base's file is not the vocabulary the run records, or the copy cannot be
    /// written in the artifacts directory (a read-only folder): said before anything is trained.</exception>
    internal static string? RestoreFromBase(TrainingArtifacts run, BaseModel baseModel) =>
        Restore(run, baseModel.VocabPath, run.Properties.VocabularySha256, "base");

    /// <summary>
    /// As <see cref="RestoreFromBase"/>, for a resumed distillation: the student shares its teacher's vocabulary (its
    /// embeddings are the teacher's), so the copy is the teacher's <c>vocab.txt</c>, held to the digest the run records,
    /// or where it records none (a run set up before it did), to the one the teacher's <c>model.onnx</c> records.
    /// </summary>
    /// <param name="run">The resumed student's artifacts, claimed by the caller.</param>
    /// <param name="teacher">The teacher the run distils, which the caller held the run to.</param>
    /// <returns>The line that says the copy was put back; null where nothing was written.</returns>
    /// <exception cref="UserInputException">The teacher's file is not the vocabulary recorded, or the copy cannot be written.</exception>
    internal static string? RestoreFromTeacher(TrainingArtifacts run, TeacherModel teacher) =>
        Restore(run, teacher.VocabPath, run.Properties.VocabularySha256 ?? teacher.Info.VocabularySha256, "teacher");

    /// <summary>
    /// Copies <paramref name="source"/>, the vocabulary the run reads text with, into the run's artifacts where its copy
    /// is missing, held to <paramref name="digest"/> where one is known; <paramref name="whose"/> ("base", "teacher")
    /// says where it came from.
    /// </summary>
    private static string? Restore(TrainingArtifacts run, string source, string? digest, string whose)
    {
        var copy = Path.Combine(run.Directory, ModelContract.VocabularyFile);
        if (File.Exists(copy)) return null;
        var vocabulary = File.ReadAllBytes(source);
        if (digest is not null && VocabularyFit.DigestOf(vocabulary) != digest)
            throw new UserInputException($"{source}: is not the vocabulary the run in '{run.Directory}' was trained with, and the run's own copy is missing; "
                + $"copy in the {ModelContract.VocabularyFile} of the {whose} the run was trained on");
        try
        {
            AtomicFile.Write(copy, stream => stream.Write(vocabulary));
        }
        // A full disk is not the user's mistake: it goes on to the full-disk line (exit 1).
        catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException io && !DiskFull.Is(io))
        {
            string reason = ex is UnauthorizedAccessException ? "permission denied" : ex.Message.TrimEnd('.');
            throw new UserInputException($"{run.Directory}: has no {ModelContract.VocabularyFile}, which the model is exported with, and the {whose}'s cannot be copied in "
                + $"({reason}); make the folder writable, or copy in {source} yourself, before resuming", ex);
        }
        return $"{copy} was missing; copied in the {whose}'s ({source}), the vocabulary the run trains with, which its model is exported with";
    }
}
