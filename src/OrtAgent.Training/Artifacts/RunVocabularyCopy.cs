using OrtAgent.Runtime;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// The copy of its base's <c>vocab.txt</c> a run keeps in its artifacts, which its exports ship with the model.
/// Artifacts may lack it (an older build's run, or one copied without it); a resumed one trained every remaining epoch
/// and only then was refused by its export. <see cref="RestoreFromBase"/> puts it back before a resumed run trains.
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
    internal static string? RestoreFromBase(TrainingArtifacts run, BaseModel baseModel)
    {
        var copy = Path.Combine(run.Directory, ModelContract.VocabularyFile);
        if (File.Exists(copy)) return null;
        var vocabulary = File.ReadAllBytes(baseModel.VocabPath);
        if (run.Properties.VocabularySha256 is { } recorded && VocabularyFit.DigestOf(vocabulary) != recorded)
            throw new UserInputException($"{baseModel.VocabPath}: is not the vocabulary the run in '{run.Directory}' was trained with, and the run's own copy is missing; "
                + $"copy in the {ModelContract.VocabularyFile} of the base the run was trained on");
        try
        {
            AtomicFile.Write(copy, stream => stream.Write(vocabulary));
        }
        // A full disk is not the user's mistake: it goes on to the full-disk line (exit 1).
        catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException io && !DiskFull.Is(io))
        {
            string reason = ex is UnauthorizedAccessException ? "permission denied" : ex.Message.TrimEnd('.');
            throw new UserInputException($"{run.Directory}: has no {ModelContract.VocabularyFile}, which the model is exported with, and the base's cannot be copied in "
                + $"({reason}); make the folder writable, or copy in {baseModel.VocabPath} yourself, before resuming", ex);
        }
        return $"{copy} was missing; copied in the base's ({baseModel.VocabPath}), the vocabulary the run trains with, which its model is exported with";
    }
}
