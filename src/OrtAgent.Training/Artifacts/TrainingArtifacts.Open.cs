using System.Text.Json;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

// Reading a run back: whether a directory holds one and in what state, and opening it, recovering a checkpoint save
// cut short. Writing one is in TrainingArtifacts.Generate.cs.
public sealed partial class TrainingArtifacts
{
    /// <summary>
    /// True when <paramref name="directory"/> holds a run's artifacts, complete or being set up: one of the files only
    /// an artifacts directory has (a folder named <c>checkpoint</c> alone is common enough elsewhere to prove nothing).
    /// </summary>
    public static bool IsArtifactsDirectory(string directory) => TrainingRunFiles.AreIn(directory);

    /// <summary>
    /// True when <paramref name="directory"/> holds a run that <see cref="Open"/> can resume: its setup completed (no
    /// <see cref="SetupMarkerFile"/>) and a checkpoint was written, or is found only as <c>checkpoint.old</c>, a save cut
    /// short between its two renames that <see cref="Open"/> recovers.
    /// </summary>
    public static bool IsSetUp(string directory)
    {
        string checkpoint = Path.Combine(directory, CheckpointDirectoryName);
        return (File.Exists(Path.Combine(checkpoint, PropertiesFile)) || File.Exists(Path.Combine(checkpoint + ".old", PropertiesFile)))
            && !File.Exists(Path.Combine(directory, SetupMarkerFile));
    }

    /// <summary>
    /// The step at which the run in <paramref name="directory"/> stopped before it finished (a Ctrl+C, a kill), as its
    /// trainer state records it: in its checkpoint, or in <c>checkpoint.old</c> where a save was cut short between its two
    /// renames, which <see cref="Open"/> recovers. Null when there is no such run to lose: none set up
    /// (<see cref="IsSetUp"/>), one stopped before its first step, one whose training finished, or a trainer state that
    /// cannot be read (a resume could not continue it either). Read it under the run's claim, so no run is saving there.
    /// </summary>
    internal static long? UnfinishedRunStep(string directory) =>
        TrainedRunState(directory) is { Finished: false } state ? state.Step : null;

    /// <summary>
    /// The last step of the run in <paramref name="directory"/> and whether its training finished, as its trainer state
    /// records it (read as <see cref="UnfinishedRunStep"/> reads it): null when there is no run set up, it took no step, or
    /// its state cannot be read. Read it under the run's claim.
    /// </summary>
    internal static (long Step, bool Finished)? TrainedRunState(string directory)
    {
        if (!IsSetUp(directory)) return null;
        var statePath = CheckpointFileIn(directory, TrainerStateFile);
        if (statePath is null) return null;
        Trainer.TrainerState state;
        try
        {
            state = Trainer.TrainerState.Load(statePath);
        }
        catch (Exception ex) when (ex is UserInputException or IOException or UnauthorizedAccessException)
        {
            return null; // the run itself says what it cannot read when it is resumed
        }
        return state.Step == 0 ? null : (state.Step, state.Finished);
    }

    /// <summary>
    /// The checkpoint's <paramref name="file"/> in the run in <paramref name="directory"/>, or <c>checkpoint.old</c>'s (a
    /// save cut short), for a look at the run that recovers nothing; null when neither has it.
    /// </summary>
    private static string? CheckpointFileIn(string directory, string file) =>
        new[] { CheckpointDirectoryName, RetiredCheckpointName }.Select(c => Path.Combine(directory, c, file)).FirstOrDefault(File.Exists);

    /// <summary>
    /// The properties of the run in <paramref name="directory"/>, read from its checkpoint (or <c>checkpoint.old</c>, a
    /// save cut short) without recovering or changing anything; null when there are none or they cannot be read. For a
    /// host telling what kind of run a new one would replace, not for resuming it (<see cref="Open"/> checks the rest).
    /// </summary>
    internal static TrainingProperties? PropertiesIn(string directory)
    {
        var path = CheckpointFileIn(directory, PropertiesFile);
        if (path is null) return null;
        try
        {
            return JsonSerializer.Deserialize<TrainingProperties>(File.ReadAllText(path), JsonOptions);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Refuses <paramref name="directory"/> when it holds no run to open: it does not exist, is a file, or the run there
    /// was stopped while it was being set up (<see cref="SetupMarkerFile"/>). What <see cref="Open"/> says of it, for a
    /// host that reads the run's own records before opening it and would otherwise report what those records lack.
    /// </summary>
    /// <exception cref="UserInputException">There is no directory, or the run there never finished its setup.</exception>
    public static void RefuseNoRunIn(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!System.IO.Directory.Exists(directory))
            throw new UserInputException(File.Exists(directory) ? $"training artifacts directory '{directory}' is a file; artifacts are a directory" : $"training artifacts directory '{directory}' does not exist");
        if (File.Exists(Path.Combine(directory, SetupMarkerFile)))
            throw new UserInputException($"'{directory}': the run there was stopped while it was being set up, before its first step, " +
                "so there is nothing to resume or export; start the run again rather than resuming it");
    }

    /// <summary>
    /// Opens a directory written by <see cref="Generate(TrainingArtifactsOptions, string)"/> (or by a trainer saving a checkpoint into it), first recovering
    /// a checkpoint save cut short between its two renames (<see cref="SaveCheckpoint"/>) and removing what a save cut
    /// short left beside a whole checkpoint (<c>checkpoint.next</c>, <c>checkpoint.old</c>). Call it under the run's
    /// <see cref="ArtifactsClaim"/>: done while another process trains there, that recovery could undo its save. A reader
    /// that cannot take the claim uses <see cref="ReadWithoutClaim"/>.
    /// </summary>
    /// <exception cref="UserInputException">A file is missing, or the properties are unreadable or from another format version.</exception>
    public static TrainingArtifacts Open(string directory) => OpenRun(directory, recover: true);

    /// <summary>
    /// The encoder inside <paramref name="directory"/> (<see cref="DerivedEncoderDirectoryName"/>) that the run whose
    /// <paramref name="properties"/> these are is built on: a distillation's student, or a run from a student's own
    /// encoder; null for a run on a base model elsewhere. The properties name it by the full path it was built at, so
    /// artifacts moved or copied since name a folder elsewhere, gone or another run's: the one they carry is theirs.
    /// </summary>
    internal static string? OwnEncoderIn(TrainingProperties properties, string directory)
    {
        string own = Path.GetFullPath(Path.Combine(directory, DerivedEncoderDirectoryName));
        if (UnixFileStatus.SameFile(properties.BaseModel, own)) return own;
        return Path.GetFileName(Path.TrimEndingDirectorySeparator(properties.BaseModel)) == DerivedEncoderDirectoryName
            && File.Exists(Path.Combine(own, ModelContract.ModelFile)) ? own : null;
    }

    /// <param name="directory">The artifacts directory.</param>
    /// <param name="recover">Whether to recover a save cut short first; without, one is refused as a save in progress,
    /// unless <paramref name="checkpointName"/> names the checkpoint it left.</param>
    /// <param name="checkpointName">The checkpoint directory to read: <see cref="RetiredCheckpointName"/> for a save cut
    /// short that no run will finish, read as its recovery would leave it.</param>
    private static TrainingArtifacts OpenRun(string directory, bool recover, string checkpointName = CheckpointDirectoryName)
    {
        RefuseNoRunIn(directory);
        RefuseNewerFormat(directory, checkpointName);
        if (recover) RecoverInterruptedSave(directory);
        else if (checkpointName == CheckpointDirectoryName && IsMidSave(directory)) throw SavingNow(directory);
        var propertiesPath = Path.Combine(directory, checkpointName, PropertiesFile);
        if (!File.Exists(propertiesPath))
            throw new UserInputException($"'{directory}' is not a training-artifacts directory: {checkpointName}/{PropertiesFile} is missing");
        TrainingProperties properties;
        try
        {
            properties = JsonSerializer.Deserialize<TrainingProperties>(File.ReadAllText(propertiesPath), JsonOptions)
                ?? throw new UserInputException($"'{propertiesPath}' is empty");
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"'{propertiesPath}' is not valid training properties: {ex.Message}", ex);
        }
        if (properties.FormatVersion != TrainingProperties.CurrentFormatVersion)
            throw new UserInputException($"'{directory}' has artifacts format {properties.FormatVersion}; this OrtAgent reads format {TrainingProperties.CurrentFormatVersion}");
        if (OwnEncoderIn(properties, directory) is { } own) properties = properties with { BaseModel = own };
        if (properties.TrainableParameters.Count == 0)
            throw new UserInputException($"'{propertiesPath}' lists no trainable parameters");
        if (properties.Lora is { } lora)
            BaseModelFingerprint.Verify(new TrainingArtifactsOptions { BaseModel = properties.BaseModel }.ResolveEncoderPath(), lora.BaseSha256, directory);
        var artifacts = new TrainingArtifacts(directory, properties, checkpointName);
        foreach (var path in new[] { artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath, artifacts.ModelCheckpointPath, artifacts.OptimizerCheckpointPath })
            if (!File.Exists(path))
                throw new UserInputException($"training artifacts in '{directory}' are incomplete: '{Path.GetRelativePath(directory, path)}' is missing");
        RequireTheRunsVocabulary(artifacts, checkpointName);
        var best = BestModelPathIn(directory);
        foreach (var path in File.Exists(best) ? [artifacts.ModelCheckpointPath, artifacts.OptimizerCheckpointPath, best] : new[] { artifacts.ModelCheckpointPath, artifacts.OptimizerCheckpointPath })
        {
            try
            {
                SafeTensorsReader.Verify(path);
            }
            catch (InvalidDataException ex)
            {
                throw new UserInputException($"the checkpoint in '{directory}' is damaged: {ex.Message}", ex);
            }
        }
        return artifacts;
    }

    /// <summary>
    /// Refuses a <c>vocab.txt</c> that is not the one the run was set up with, where its properties record the tokens'
    /// SHA-256: an export ships this copy with the model, which would read every text through other ids (a same-size
    /// vocabulary of another model, or the file reordered by hand, passes every other check). A resumed run tokenizes
    /// with its base's <c>vocab.txt</c>, checked against the same digest when it is read (<c>BaseModel.CreateRunTextEncoder</c>),
    /// so a copy that is missing is not refused here: a resumed run puts its base's back before training (<see cref="RunVocabularyCopy"/>),
    /// and an export from the artifacts alone says what to copy in.
    /// </summary>
    private static void RequireTheRunsVocabulary(TrainingArtifacts artifacts, string checkpointName)
    {
        if (artifacts.Properties.VocabularySha256 is not { } recorded) return;
        var path = Path.Combine(artifacts.Directory, ModelContract.VocabularyFile);
        if (!File.Exists(path)) return;
        byte[] vocabulary;
        try
        {
            vocabulary = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot be read ({ex.Message}); a model exported from the run ships it", ex);
        }
        if (VocabularyFit.DigestOf(vocabulary) != recorded)
            throw new UserInputException($"{path}: is not the vocabulary this run was set up with: its tokens are not the ones, in the order, whose SHA-256 "
                + $"{checkpointName}/{PropertiesFile} records, so a model exported from the run would read every text through other ids; put back the run's own {ModelContract.VocabularyFile}");
    }

    /// <summary>
    /// Refuses a run a newer OrtAgent wrote from its <c>format_version</c> alone, before the properties are parsed whole
    /// and before recovery touches its checkpoints: a newer layout may rename or drop what this build requires, and a
    /// newer build's save may leave <c>checkpoint.old</c> and <c>checkpoint.next</c> in states this one would misread.
    /// Mid-save the version is <c>checkpoint.old</c>'s, the checkpoint recovery would put back.
    /// </summary>
    private static void RefuseNewerFormat(string directory, string checkpointName)
    {
        string probed = checkpointName == CheckpointDirectoryName && IsMidSave(directory) ? RetiredCheckpointName : checkpointName;
        if (FormatVersionIn(Path.Combine(directory, probed, PropertiesFile)) is int version && version > TrainingProperties.CurrentFormatVersion)
            throw new UserInputException($"'{directory}' has artifacts format {version}, newer than this OrtAgent reads ({TrainingProperties.CurrentFormatVersion}): "
                + "resume or export it with the newer OrtAgent that wrote it, or train again with this one");
    }

    /// <summary>The <c>format_version</c> in a properties file; null where the file or the number cannot be read, left for the full parse to report.</summary>
    private static int? FormatVersionIn(string propertiesPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(propertiesPath));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("format_version", out var version) && version.ValueKind == JsonValueKind.Number
                && version.TryGetInt32(out int number) ? number : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void RecoverInterruptedSave(string directory)
    {
        if (IsMidSave(directory)) System.IO.Directory.Move(Path.Combine(directory, RetiredCheckpointName), Path.Combine(directory, CheckpointDirectoryName));
        // Under the claim no save is in progress: beside a whole checkpoint, checkpoint.next is a save cut short before its
        // swap or the old checkpoint the exchange left there, and checkpoint.old one a save left after its second rename.
        // The next save would remove them, but a finished run resumed to export saves no more.
        if (!System.IO.Directory.Exists(Path.Combine(directory, CheckpointDirectoryName))) return;
        foreach (var leftover in new[] { CheckpointDirectoryName + ".next", RetiredCheckpointName })
            if (System.IO.Directory.Exists(Path.Combine(directory, leftover))) System.IO.Directory.Delete(Path.Combine(directory, leftover), recursive: true);
    }

    /// <summary>Whether a checkpoint save is between its two renames in <paramref name="directory"/> (or was killed there): <c>checkpoint.old</c> without <c>checkpoint</c>.</summary>
    private static bool IsMidSave(string directory)
    {
        var checkpoint = Path.Combine(directory, CheckpointDirectoryName);
        return !System.IO.Directory.Exists(checkpoint) && System.IO.Directory.Exists(Path.Combine(directory, RetiredCheckpointName));
    }
}
