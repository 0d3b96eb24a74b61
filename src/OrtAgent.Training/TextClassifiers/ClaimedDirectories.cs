using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// The two directories a <see cref="TextClassifierTrainer"/> run writes, claimed from before anything in them is read
/// until the run ends, and the run found in the artifacts directory: what <see cref="TextClassifierTrainer.Train"/> and
/// <see cref="TextClassifierTrainer.Distill"/> each hold while they train. Disposing releases both claims.
/// </summary>
internal sealed class ClaimedDirectories : IDisposable
{
    private readonly ProcessLock _output;

    private ClaimedDirectories(ArtifactsClaim artifacts, ProcessLock output, TrainingArtifacts? resume, RecordedSettings? recorded)
    {
        Artifacts = artifacts;
        _output = output;
        Resume = resume;
        Recorded = recorded;
    }

    /// <summary>The claim on the artifacts directory, which the run's <see cref="Trainer.TrainingSession"/> trains under.</summary>
    public ArtifactsClaim Artifacts { get; }

    /// <summary>
    /// The run to resume, when <see cref="ExistingRun.Resume"/>: the artifacts in the directory once set up (their
    /// checkpoint written, no setup mark), opened under the claim; else null, a new run. A run killed while being set up
    /// took no step, so it starts again. A checkpoint found only as <c>checkpoint.old</c> is a save cut short between its
    /// two renames, which <see cref="TrainingArtifacts.Open"/> recovers: that run is resumed, not started over.
    /// </summary>
    public TrainingArtifacts? Resume { get; }

    /// <summary>What the resumed run recorded when it began, read once for the caller's checks; null for a new run or a run without the record.</summary>
    public RecordedSettings? Recorded { get; }

    /// <summary>Checks, before either is claimed, that the directories are apart and that the export may replace the output directory.</summary>
    /// <param name="output">The output directory, a full path.</param>
    /// <param name="outputOption">Its option, <c>Type.Property</c>.</param>
    /// <param name="artifacts">The artifacts directory, a full path.</param>
    /// <param name="artifactsOption">Its option, <c>Type.Property</c>.</param>
    /// <exception cref="InvalidOptionException">One directory is inside the other, or the output directory holds what an
    /// export may not replace, or a directory cannot be written: the option named.</exception>
    public static void CheckApart(string output, string outputOption, string artifacts, string artifactsOption)
    {
        if (OutputRecord.Refusal(output) is { } unrecordable) throw new InvalidOptionException(outputOption, output, unrecordable);
        if (RealPath.Overlap(artifacts, output))
            throw new InvalidOptionException(outputOption, output, $"must be a different directory from {artifactsOption} {artifacts}, neither inside the other");
        OptionRefusal.Check(outputOption, output, what => DestinationGuard.Check(output, DirectoryLayout.ExportedModel, what));
        // Before the claims, whose lock files go beside both directories: a parent that takes no files is named here as
        // the option it belongs to, not as a lock file the caller never asked for.
        OptionRefusal.Check(artifactsOption, artifacts, what => DestinationGuard.EnsureWritable(artifacts, what));
        OptionRefusal.Check(outputOption, output, what => DestinationGuard.EnsureWritable(output, what));
    }

    /// <summary>
    /// Claims both directories (once <see cref="CheckApart"/> has passed them), then opens the run found in the artifacts
    /// directory when <paramref name="existingRun"/> resumes one, or checks that a new run may be generated there; either
    /// way, that the run can write in each folder it writes in there.
    /// </summary>
    /// <param name="artifactsDirectory">The artifacts directory, a full path.</param>
    /// <param name="artifactsOption">The artifacts directory's option, <c>Type.Property</c>.</param>
    /// <param name="outputDirectory">The output directory, a full path.</param>
    /// <param name="outputOption">The output directory's option, as <see cref="ClaimOutput"/> names it.</param>
    /// <param name="existingRun">What to do with a run found in the artifacts directory.</param>
    /// <exception cref="UserInputException">Another run holds a directory (the message names its option), a new run may not be generated in the artifacts directory, or the run cannot write in one of its folders there.</exception>
    public static ClaimedDirectories Claim(string artifactsDirectory, string artifactsOption, string outputDirectory, string outputOption, ExistingRun existingRun)
    {
        string artifactsWhat = $"{artifactsOption} {artifactsDirectory}";
        // Claimed before a run found there is opened: opening recovers a checkpoint save cut short, a write that would
        // undo the save of a run still going. The output too, which a run with other artifacts could be exporting to.
        // The lock file is the one beside the directory whoever claims it: another run's artifacts, or its output.
        var artifacts = ArtifactsClaim.Acquire(artifactsDirectory,
            $"{artifactsWhat}: another run (train, distill, export or a fine-tuning job) is training in it or writing to it, in this process or another; " +
            "wait for that run to end (or dispose its TrainingSession), or train in another artifacts directory", artifactsWhat);
        ProcessLock? output = null;
        try
        {
            output = ClaimOutput(outputDirectory, outputOption);
            bool resuming = existingRun == ExistingRun.Resume && TrainingArtifacts.IsSetUp(artifactsDirectory);
            // Before the run is opened (which may recover a save) or anything is built: folders the run could not write
            // in failed at the run's first write to them, a checkpoint folder's after its steps, as the raw exception.
            OptionRefusal.Check(artifactsOption, artifactsDirectory, what =>
            {
                if (resuming) RequireWritable(() => TrainingArtifacts.RequireWritableToResume(artifactsDirectory, what), "a resumed run writes its checkpoints and records there");
                else
                {
                    TrainingArtifacts.CheckDestination(artifactsDirectory, what);
                    if (TrainingArtifacts.IsArtifactsDirectory(artifactsDirectory))
                        RequireWritable(() => TrainingArtifacts.RequireWritableToReplace(artifactsDirectory, what), "a new run there replaces the earlier run's files");
                }
            });
            var resume = resuming ? TrainingArtifacts.Open(artifactsDirectory) : null;
            var recorded = resume is null ? null : RecordedSettings.Read(resume.Directory);
            return new ClaimedDirectories(artifacts, output, resume, recorded);
        }
        catch
        {
            // Refused before the run began: neither claim outlives the call.
            output?.Dispose();
            artifacts.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Claims the output directory for the run, as <see cref="ArtifactsClaim"/> claims its artifacts: two runs with their
    /// own artifacts exporting to one directory would each replace the other's model, the last silently winning, so the
    /// second is refused. The lock file is <see cref="ProcessLock.FileBeside"/> the directory, as an artifacts claim's is,
    /// so a run exporting to a directory another run trains in is refused too.
    /// </summary>
    /// <exception cref="UserInputException">Another run holds the directory, or the lock file cannot be created.</exception>
    public static ProcessLock ClaimOutput(string outputDirectory, string option) =>
        ProcessLock.Acquire(ProcessLock.FileBeside(outputDirectory),
            $"{option} {TextClassifierTrainer.FullPath(outputDirectory)}: another run (train, distill, export or a fine-tuning job) is writing to it, in this process or another; " +
            "wait for that run to end, or write to another directory",
            $"{option} {TextClassifierTrainer.FullPath(outputDirectory)}");

    /// <summary>
    /// Runs a check of the folders the run writes in, its refusal ending with <paramref name="why"/> and the remedy: the
    /// library words it for the facade as the command line does for its flags.
    /// </summary>
    private static void RequireWritable(Action check, string why)
    {
        try
        {
            check();
        }
        catch (UserInputException ex) when (ex.Refusal is { } refusal)
        {
            throw new UserInputException(refusal with { Problem = $"{refusal.Problem}; {why}: make it writable, or train in another artifacts directory" }, ex);
        }
    }

    /// <summary>Releases the output's claim, then the artifacts', the reverse of their order.</summary>
    public void Dispose()
    {
        _output.Dispose();
        Artifacts.Dispose();
    }
}
