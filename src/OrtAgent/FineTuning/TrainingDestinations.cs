using OrtAgent.Commands;
using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using Spectre.Console;

namespace OrtAgent.FineTuning;

/// <summary>
/// Checks every place a training run will write its results before any data is read, so a destination OrtAgent may not
/// replace (see <see cref="DestinationGuard"/>), cannot write, or a broken model at <c>--promote-to</c> is refused at
/// once, with nothing written, instead of after the whole run.
/// </summary>
internal static class TrainingDestinations
{
    /// <summary>
    /// The first steps of <c>train</c> and <c>distill</c>: checks where the run writes (its <c>--output</c>, a new run's
    /// artifacts directory, named with what set its root (<c>artifactsRootSetting</c>, see
    /// <see cref="Cli.OrtAgentPaths.ArtifactsRootSetting"/>), the <c>--promote-to</c> model), and the data files the command names
    /// (their headers and rows: <see cref="TrainingData.CheckFiles"/>, split with the run's <c>seed</c>); then claims a resumed run's artifacts (<see cref="ClaimIfResuming"/>).
    /// What is wrong with the command is told before the claim, which another run may hold, and before a new run extracts
    /// its packaged base model: a bad <c>--data</c> was found only after that extraction, which it left in the models root.
    /// A new run claims its artifacts later, at its first write
    /// (<see cref="ClaimArtifacts"/>), once its data and options are checked, so a refused run leaves nothing behind.
    /// </summary>
    /// <returns>
    /// The claim of the resumed run's artifacts, which the caller disposes (null for a new run), and what was read of the
    /// data files, for <see cref="TrainingData.Load"/>.
    /// </returns>
    /// <exception cref="UserInputException">A destination or a data file is refused, or another process holds the run to resume; the message names the option and why.</exception>
    public static (ArtifactsClaim? Claim, CheckedDataFiles? Data) CheckThenClaimIfResuming(string output, string artifactsDirectory, string artifactsRootSetting, string? resumeFrom,
        string? dataPath, string? validationPath, LabeledTextFileOptions columns, int seed, string? promoteTo = null, bool artifactsRootOptionApplies = true)
    {
        CheckOutput(output, artifactsDirectory, artifactsRootSetting, newRun: resumeFrom is null);
        if (resumeFrom is null) CheckNewArtifacts(artifactsDirectory, artifactsRootSetting, output, artifactsRootOptionApplies);
        if (promoteTo is not null)
        {
            if (RealPath.Overlap(promoteTo, output))
                throw new UserInputException($"--promote-to {promoteTo}: must be a different directory from --output {output}, neither inside the other");
            ModelPromotion.CheckDestination(promoteTo);
        }
        // data.txt keeps each path as a line, which a resumed run reads back: a name holding a line break came back cut.
        foreach (var (option, path) in new[] { ("--data", dataPath), ("--validation", validationPath) })
            if (path is not null && OutputRecord.LineBreakRefusal(path, $"the run's record of its data ({DataRecordFile})", "rename the file") is { } unrecordable)
                throw new UserInputException($"{option} {PrintableText.Quote(path)}: {unrecordable}");
        var data = TrainingData.CheckFiles(dataPath, validationPath, columns, seed);
        return (resumeFrom is null ? null : ClaimIfResuming(resumeFrom), data);
    }

    /// <summary>Checks the export directory <paramref name="output"/> of a run whose artifacts go to <paramref name="artifactsDirectory"/>.</summary>
    /// <exception cref="UserInputException">OrtAgent may not replace it, the artifacts would be inside it, or it inside them.</exception>
    private static void CheckOutput(string output, string artifactsDirectory, string artifactsRootSetting, bool newRun)
    {
        // Before the guard, which would blame a model inside the artifacts for the artifacts' files (or its own lock). A
        // new run's only: a resumed run's directory is checked to be artifacts first, which says more when it is not.
        if (newRun && OutputRecord.Refusal(output) is { } unrecordable) throw new UserInputException($"--output {PrintableText.Quote(output)}: {unrecordable}");
        if (newRun && RealPath.IsWithin(output, artifactsDirectory))
            throw new UserInputException($"--output {output}: must be outside the artifacts directory {artifactsDirectory} ({artifactsRootSetting}); choose another --output or {artifactsRootSetting}");
        DestinationGuard.Check(output, DirectoryLayout.ExportedModel, $"--output {output}");
        if (RealPath.IsWithin(artifactsDirectory, output))
            throw new UserInputException($"--output {output}: the training artifacts ({artifactsDirectory}) would be inside it; choose a directory outside the artifacts root");
    }

    /// <summary>
    /// Checks where a fresh run will generate its artifacts (a resumed one only adds checkpoints to its own): a directory
    /// holding anything else is refused.
    /// </summary>
    /// <exception cref="UserInputException">It is a file, holds files that are not training artifacts, or cannot be created.</exception>
    private static void CheckNewArtifacts(string artifactsDirectory, string rootSetting, string output, bool rootOptionApplies)
    {
        var what = $"artifacts directory {artifactsDirectory} ({rootSetting})";
        TrainingArtifacts.CheckDestination(artifactsDirectory, what);
        // Runs to pa/x and pb/x share artifacts/x: the second would replace the checkpoint the first's model came from.
        // A run there that records no output (begun before 2026-12-04) exported to models/NAME, as its --resume takes it.
        if ((RecordedOutput(artifactsDirectory) ?? (TrainingArtifacts.PropertiesIn(artifactsDirectory) is null ? null : UnrecordedOutput(artifactsDirectory))) is { } other && !UnixFileStatus.SameFile(other, output) && File.Exists(Path.Combine(other, ModelContract.ModelFile)))
            throw new UserInputException(
                $"{what}: holds the run that exported {other}, which this run to --output {output} would replace (the artifacts are named after the output's folder); give --output another folder name, or use another {rootSetting}");
        try
        {
            DestinationGuard.EnsureWritable(artifactsDirectory, what);
            // An earlier run's artifacts there are replaced in place, not the directory whole. Only the directory: this is
            // before the claim, and a file left for an instant in a checkpoint folder would be a file a run still saving
            // there did not write.
            if (Directory.Exists(artifactsDirectory)) DestinationGuard.EnsureCanCreateFilesIn(artifactsDirectory, what);
        }
        catch (UserInputException ex) when (rootOptionApplies && ex.Refusal is { } refusal)
        {
            // A run given only --output never named its artifacts: the line ends with the option that moves them, which
            // wins over the environment and appsettings.json whichever set the root. Not a service job's: its client has no such flag.
            throw new UserInputException(refusal with { Problem = $"{refusal.Problem}; give {ArtifactsRootOption} a folder you can write in" }, ex);
        }
    }

    /// <summary>The option that sets where runs keep their artifacts, whatever set the root before.</summary>
    private const string ArtifactsRootOption = "--artifacts-root";

    /// <summary>
    /// The command line that continues the run in <paramref name="artifactsDirectory"/>: <c>ortagent train --resume DIR</c>
    /// (or <c>distill</c>), which reads the run's data, settings and output from its artifacts, then what they do not
    /// record and this run was given: where it runs (<c>--device</c>, <c>--threads</c>, <c>--no-tf32</c>) and
    /// <c>--promote-to</c>, each read from the command line afresh on a resume.
    /// </summary>
    public static string ResumeCommand(string command, string artifactsDirectory, OrtSessionSettings? session = null, string? promoteTo = null)
    {
        var words = new List<string> { "ortagent", command, "--resume", ShellWord(artifactsDirectory) };
        if (session is not null) words.AddRange(DeviceCommandOptions.WordsFor(session));
        if (promoteTo is not null) words.AddRange(["--promote-to", ShellWord(promoteTo)]);
        return string.Join(' ', words);
    }

    /// <summary>
    /// The line of a <c>train</c> or <c>distill</c> run cancelled after its last step, before its export put the
    /// <paramref name="what"/> ("model", "student") in place: its training is complete, its checkpoint kept and
    /// <paramref name="output"/> untouched, so the <paramref name="resumeCommand"/> that exports it (null where a service
    /// resumes its own jobs) takes no step.
    /// </summary>
    public static string ExportCancelled(string what, long steps, string artifactsDirectory, string output, string? resumeCommand) =>
        $"Cancelled before the {what} was exported: training finished at step {steps} " +
        $"(checkpoint in {Path.Combine(artifactsDirectory, TrainingArtifacts.CheckpointDirectoryName)}), and {output} is as it was." +
        (resumeCommand is null ? "" : $" To export it: {resumeCommand}");

    /// <summary>
    /// The warning a new run of <paramref name="command"/> (<c>train</c>, <c>distill</c>) gives as it starts to build,
    /// when the run in <paramref name="artifactsDirectory"/> would be lost with nothing said: one that took steps and
    /// stopped before it finished (a Ctrl+C, a kill), or a run of the other command, finished or stopped. Its checkpoint
    /// goes once the new run is built (a stop until then keeps it, which the warning says while it can still be acted
    /// on), and repeating the first command, or the other command with the same <c>--output</c>, is the easy way to lose
    /// it unnoticed. The command that continues a stopped run is its own: <c>train --resume</c> refuses a student's
    /// artifacts and <c>distill --resume</c> a classifier's. Null when there is nothing to lose there: no run, one stopped
    /// before its first step, or one of this command whose training finished (a --resume of it would only export again,
    /// to the <c>--output</c> this run replaces). A finished run of the other command is told, as the library refuses it
    /// (<c>ExistingRun.Resume</c>), but not refused: the CLI replaces a finished run of its own command at the same
    /// <c>--output</c> too, and the line comes while a stop still keeps it. Read under the
    /// claim of the artifacts, so no run is writing them. The command it names carries this command's
    /// <paramref name="session"/>, and <paramref name="promoteTo"/> for a <c>train</c> run, as the Ctrl+C line's does:
    /// the artifacts do not record them, and without <c>--promote-to</c> the continued run would export and not promote.
    /// </summary>
    public static string? ReplacedRunWarning(string command, string artifactsDirectory, OrtSessionSettings? session = null, string? promoteTo = null)
    {
        if (TrainingArtifacts.TrainedRunState(artifactsDirectory) is not { } run) return null;
        string madeBy = ResumedStudent.IsStudentIn(artifactsDirectory) ? DistillCommand : TrainCommand;
        bool same = madeBy == command;
        if (same && run.Finished) return null;
        // A distillation has no --promote-to: the command continuing one is given none.
        string resume = ResumeCommand(madeBy, artifactsDirectory, session, madeBy == TrainCommand ? promoteTo : null);
        string kind = same ? "a run" : madeBy == DistillCommand ? "a distill run (a student)" : "a train run (a classifier)";
        return run.Finished
            ? $"{artifactsDirectory} holds {kind} that finished at step {run.Step}; this {command} run replaces it once it is built (Ctrl+C before then keeps it)"
            : $"{artifactsDirectory} holds {kind} stopped at step {run.Step}, before it finished; it will be discarded once this new run is built " +
              $"(Ctrl+C before then keeps it, and {resume} continues it)";
    }

    private const string TrainCommand = "train", DistillCommand = "distill";

    // A path as a POSIX shell reads it back: as it is when it is plain, else single-quoted.
    private static string ShellWord(string path) =>
        path.Length > 0 && path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:@%=,".Contains(c))
            ? path
            : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// The name of the artifacts folder of a run exporting to <paramref name="output"/> (<c>train</c> and
    /// <c>distill</c>): the output folder's own name, so models/reviews trains in artifacts/reviews.
    /// </summary>
    public static string ArtifactsNameFor(string output) => Path.GetFileName(FullPath(output));

    /// <summary>
    /// The model folder the run in <paramref name="artifactsDirectory"/> exports to, as it recorded it (<see cref="OutputRecord.Read"/>:
    /// as typed where that still names it, else its full path), or null (none recorded, or artifacts written before 2026-12-04).
    /// </summary>
    public static string? RecordedOutput(string artifactsDirectory) => OutputRecord.Read(artifactsDirectory);

    /// <summary>
    /// The model folder a run in <paramref name="artifactsDirectory"/> that records none exports to: <c>models/NAME</c>,
    /// named after the artifacts' folder, as runs begun before 2026-12-04 took it from their <c>--output</c>.
    /// </summary>
    public static string UnrecordedOutput(string artifactsDirectory) => Path.Combine("models", ArtifactsNameFor(artifactsDirectory));

    /// <summary>Records in a run's artifacts the model folder it exports to, as typed, for <see cref="RecordedOutput"/>.</summary>
    /// <summary>
    /// Says that a new run's artifacts are written in <paramref name="artifactsDirectory"/>: from here a stop keeps this run
    /// (at step 0) to resume, and the run that was there (<paramref name="replaced"/>, which the warning said a stop until
    /// then keeps) is gone. A stop during the rest of the set-up, under the same "Building" line, could not tell which.
    /// </summary>
    public static void SayBuilt(IAnsiConsole console, string artifactsDirectory, bool replaced) =>
        console.MarkupLine(Markup.Escape(replaced
            ? $"Built: {artifactsDirectory} now holds this run, in place of the run that was there."
            : $"Built: {artifactsDirectory} holds this run."));

    public static void RecordOutput(string artifactsDirectory, string output) => OutputRecord.Write(artifactsDirectory, output);

    // In a run's artifacts: the full paths of the training data and (second line, empty for none) the validation data,
    // then the text and label columns named for them (empty: detected; records before 2026-12-07 end after the data).
    private const string DataRecordFile = TrainingArtifacts.DataRecordFile;

    /// <summary>The data the run in <paramref name="artifactsDirectory"/> trained on, as it recorded it, or null (artifacts written before 2026-12-04).</summary>
    public static (string Data, string? Validation)? RecordedData(string artifactsDirectory) =>
        ReadRecord(artifactsDirectory, DataRecordFile) is [{ Length: > 0 } data, .. var rest]
            ? (data, rest is [{ Length: > 0 } validation, ..] ? validation : null)
            : null;

    /// <summary>
    /// The text and label columns the run in <paramref name="artifactsDirectory"/> read its data by, where it named them
    /// (<c>--text-column</c>, <c>--label-column</c>); null for a column it detected, or a run that recorded none.
    /// </summary>
    public static (string? Text, string? Label) RecordedColumns(string artifactsDirectory) =>
        ReadRecord(artifactsDirectory, DataRecordFile) is [_, _, var text, var label, ..]
            ? (text.Length > 0 ? text : null, label.Length > 0 ? label : null)
            : (null, null);

    /// <summary>Records in a run's artifacts the data it trains on and the columns it names, for <see cref="RecordedData"/> and <see cref="RecordedColumns"/>.</summary>
    public static void RecordData(string artifactsDirectory, string data, string? validation, string? textColumn = null, string? labelColumn = null) =>
        WriteRecord(artifactsDirectory, DataRecordFile, FullPath(data), validation is null ? "" : FullPath(validation), textColumn ?? "", labelColumn ?? "");

    /// <summary>
    /// Writes one of the small line-per-fact records a run keeps in its artifacts (what it exports to, what it trains
    /// on), whole or not at all.
    /// </summary>
    public static void WriteRecord(string artifactsDirectory, string fileName, params string[] lines) =>
        AtomicFile.WriteAllText(Path.Combine(artifactsDirectory, fileName), string.Concat(lines.Select(line => line + "\n")));

    /// <summary>The lines of a record <see cref="WriteRecord"/> wrote, or null when the run has none (artifacts written before it).</summary>
    public static string[]? ReadRecord(string artifactsDirectory, string fileName)
    {
        var path = Path.Combine(artifactsDirectory, fileName);
        return File.Exists(path) ? File.ReadAllLines(path) : null;
    }

    private static string FullPath(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    /// <summary>
    /// Claims <paramref name="artifactsDirectory"/> for this run until the claim is disposed, so a second run into the
    /// same artifacts (two trainings to the same <c>--output</c>, or a <c>--resume</c> of a run still going) is refused
    /// rather than each exporting weights the other trained. It is the library's <see cref="ArtifactsClaim"/>, in the
    /// command line's words: the lock file is <see cref="ProcessLock.FileBeside"/> the directory, so a run and a library
    /// caller's <see cref="Training.Trainer.TrainingSession"/> exclude each other; it goes when the claim ends.
    /// </summary>
    /// <remarks>
    /// Under the claim, before anything is built, an earlier run's artifacts there that the new run could not replace
    /// (a read-only <c>checkpoint/</c> or <c>best/</c>) are refused (<see cref="TrainingArtifacts.RequireWritableToReplace"/>):
    /// that failed once the graphs were built, and left the earlier run marked as being set up, no longer resumable.
    /// </remarks>
    /// <param name="artifactsDirectory">The artifacts directory.</param>
    /// <param name="namedByOutput">True when <c>--output</c> names the artifacts' folder (<c>train</c>, <c>distill</c>), false when it is that folder (<c>artifacts</c>).</param>
    /// <exception cref="UserInputException">Another process holds the claim, the lock file cannot be created, or an earlier run's artifacts there cannot be replaced.</exception>
    public static ArtifactsClaim ClaimArtifacts(string artifactsDirectory, bool namedByOutput = true)
    {
        string? what = namedByOutput ? null : $"--output {FullPath(artifactsDirectory)}";
        string namedAfter = namedByOutput ? " (the artifacts are named after it)" : "";
        var claim = ArtifactsClaim.Acquire(artifactsDirectory, $"{Busy(artifactsDirectory)}, or give this run another --output{namedAfter}", what);
        return CheckedUnder(claim, () =>
        {
            if (TrainingArtifacts.IsArtifactsDirectory(artifactsDirectory))
                TrainingArtifacts.RequireWritableToReplace(artifactsDirectory, what ?? $"artifacts directory {artifactsDirectory}");
        }, $"a new run there replaces the earlier run's files: make it writable, or give this run another --output{namedAfter}");
    }

    /// <summary>
    /// Runs <paramref name="check"/> under <paramref name="claim"/> and returns the claim; a refusal gets
    /// <paramref name="remedy"/> after its problem, and any failure releases the claim before it leaves.
    /// </summary>
    private static ArtifactsClaim CheckedUnder(ArtifactsClaim claim, Action check, string remedy)
    {
        try
        {
            check();
            return claim;
        }
        catch (UserInputException ex) when (ex.Refusal is { } refusal)
        {
            claim.Dispose();
            throw new UserInputException(refusal with { Problem = $"{refusal.Problem}; {remedy}" }, ex);
        }
        catch
        {
            claim.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Claims the export directory <paramref name="output"/> of a <c>train</c> or <c>distill</c> run until disposed: the
    /// facade's claim (<see cref="Training.TextClassifiers.ClaimedDirectories.ClaimOutput"/>, a lock beside the
    /// directory), so two runs with their own artifacts (another <c>--artifacts-root</c>) cannot both export there, the
    /// last replacing the other's model, and a run and a library caller exporting there exclude each other too.
    /// </summary>
    /// <exception cref="UserInputException">Another run holds it, or the lock file cannot be created.</exception>
    public static ProcessLock ClaimOutput(string output) => Training.TextClassifiers.ClaimedDirectories.ClaimOutput(output, "--output");

    /// <summary>
    /// <see cref="ClaimArtifacts"/> for a <c>--resume</c> of <paramref name="artifactsDirectory"/>: the run asked for is
    /// the one training there, so another <c>--output</c> is no way out.
    /// </summary>
    /// <exception cref="UserInputException">Another process holds the claim, or the lock file cannot be created.</exception>
    private static ArtifactsClaim ClaimResumed(string artifactsDirectory) =>
        ArtifactsClaim.Acquire(artifactsDirectory, $"{Busy(artifactsDirectory)} before resuming it", $"--resume {FullPath(artifactsDirectory)}");

    /// <summary>
    /// The claim of a run to resume, taken before its artifacts are opened: opening recovers a checkpoint save cut short,
    /// which would undo the save of a run still going in them. Null when there is nothing to resume, or when
    /// <paramref name="resumeFrom"/> is no directory, which opening it then refuses, unclaimed. Then, before anything is
    /// written, artifacts the run could not write in are refused (<see cref="TrainingArtifacts.RequireWritableToResume"/>);
    /// a folder that holds no run is left to opening to refuse.
    /// </summary>
    /// <exception cref="UserInputException">Another process holds the claim, the lock file cannot be created, or the artifacts cannot be written.</exception>
    private static ArtifactsClaim? ClaimIfResuming(string? resumeFrom)
    {
        if (resumeFrom is null || !Directory.Exists(resumeFrom)) return null;
        // Under the claim: the check leaves a file in each folder for an instant, which a save of a run still going there
        // would find in its checkpoint folder as one it did not write.
        return CheckedUnder(ClaimResumed(resumeFrom), () =>
        {
            if (TrainingArtifacts.IsArtifactsDirectory(resumeFrom)) TrainingArtifacts.RequireWritableToResume(resumeFrom, $"--resume {FullPath(resumeFrom)}");
        }, "a resumed run writes its checkpoints and records there: make it writable, then resume");
    }

    private static string Busy(string artifactsDirectory) =>
        $"artifacts directory {artifactsDirectory}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish";
}
