using System.Text.Json;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// A training-artifacts directory: the training, eval and optimizer models plus a checkpoint
/// (see <c>Artifacts/README.md</c> for the layout). <see cref="Generate(TrainingArtifactsOptions, string)"/> writes one from a base encoder;
/// <see cref="Open"/> validates an existing one. Instances only hold paths and properties; they own no native resources.
/// </summary>
public sealed partial class TrainingArtifacts
{
    /// <summary>The training graph: encoder, head, loss and backward pass, dropout on.</summary>
    public const string TrainingModelFile = TrainingRunFiles.TrainingModelFile;
    /// <summary>The eval graph: encoder, head and loss, dropout off.</summary>
    public const string EvalModelFile = TrainingRunFiles.EvalModelFile;
    /// <summary>The optimizer graph: one AdamW or SGD step for every trainable parameter.</summary>
    public const string OptimizerModelFile = TrainingRunFiles.OptimizerModelFile;
    /// <summary>The checkpoint directory inside the artifacts, replaced as a unit by <see cref="SaveCheckpoint"/>.</summary>
    public const string CheckpointDirectoryName = TrainingRunFiles.CheckpointDirectoryName;
    /// <summary>Every parameter, trainable then frozen, as safetensors (in the checkpoint and in <c>best/</c>).</summary>
    public const string ModelCheckpointFile = "model.safetensors";
    /// <summary>The optimizer's per-parameter state as safetensors (<c>p.exp_avg</c>, <c>p.exp_avg_sq</c> or <c>p.momentum_buffer</c>).</summary>
    public const string OptimizerCheckpointFile = "optimizer.safetensors";
    /// <summary>The run's <see cref="TrainingProperties"/> as snake_case JSON, written last so a checkpoint that has it is complete.</summary>
    public const string PropertiesFile = TrainingRunFiles.PropertiesFile;

    /// <summary>A base encoder made for this run inside its artifacts: a distillation's student, cut from its teacher.</summary>
    public const string DerivedEncoderDirectoryName = "student-encoder";

    /// <summary>A distillation's record of its teacher and the teacher layers its student keeps (two lines).</summary>
    public const string StudentRecordFile = "student.txt";

    /// <summary>The model card the run wrote with its model, from which <see cref="Export.ModelExporter.Export"/> takes what the run did.</summary>
    public const string ModelCardRecordFile = "card.md";

    /// <summary>The training loop's settings the run began with (<see cref="RecordedSettings"/>), which a resumed run keeps.</summary>
    public const string SettingsRecordFile = "settings.json";

    /// <summary>Every step and evaluation of the run, one JSON object a line, which exports copy beside the model.</summary>
    public const string MetricsLogFile = "metrics.jsonl";

    /// <summary>The run's training curve, drawn when it ends, which exports copy beside the model.</summary>
    public const string TrainingCurveFile = "training_curve.png";

    /// <summary>Where a run records its data files, and the model folder it exports to (the CLI's records).</summary>
    public const string DataRecordFile = "data.txt", OutputRecordFile = "output.txt";

    /// <summary>
    /// Present while a new run is being set up in the directory (<see cref="BeginSetup"/>): the earlier run's state
    /// removed, its own records, derived encoder and starting weights not all in place yet.
    /// </summary>
    public const string SetupMarkerFile = TrainingRunFiles.SetupMarkerFile;

    /// <summary>Entries only an artifacts directory has: one of them marks a directory as OrtAgent's own, even a half-written one.</summary>
    private static readonly string[] MarkerEntries = [TrainingModelFile, EvalModelFile, OptimizerModelFile, CheckpointDirectoryName, DerivedEncoderDirectoryName, SetupMarkerFile];

    /// <summary>
    /// Marks <paramref name="directory"/> as being set up for a new run, before anything of an earlier run there is
    /// changed. Setting a run up takes several writes (a derived encoder, the graphs and checkpoint, the caller's
    /// records, starting weights put into the checkpoint); a kill between two of them left a folder that
    /// <see cref="Open"/> took for a run, which a resumed run continued on settings, data or weights the run never had
    /// and <see cref="Export.ModelExporter.Export"/> shipped. <see cref="Open"/> refuses a marked directory; <see cref="CompleteSetup"/> removes the mark.
    /// </summary>
    public static void BeginSetup(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        // The process id tells whoever finds a mark left behind which run left it (its log names the same id).
        AtomicFile.WriteAllText(Path.Combine(directory, SetupMarkerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
    }

    /// <summary>Ends what <see cref="BeginSetup"/> began: the run in <paramref name="directory"/> may be opened from now on.</summary>
    public static void CompleteSetup(string directory) => File.Delete(Path.Combine(directory, SetupMarkerFile));

    /// <summary>Base-model files copied beside the graphs when present, so the directory is self-contained for tokenizing.</summary>
    private static readonly string[] TokenizerFiles = [ModelContract.VocabularyFile, "tokenizer.json", ModelContract.TokenizerConfigFile, "special_tokens_map.json"];

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private TrainingArtifacts(string directory, TrainingProperties properties, string checkpointName = CheckpointDirectoryName)
    {
        Directory = directory;
        Properties = properties;
        _checkpointName = checkpointName;
    }

    /// <summary>
    /// The checkpoint directory's name: <see cref="CheckpointDirectoryName"/>, or for a run read without its claim while
    /// a save cut short is left unrecovered (<see cref="ReadWithoutClaim"/>), <see cref="RetiredCheckpointName"/>, the one recovery keeps.
    /// </summary>
    private readonly string _checkpointName;

    /// <summary>Where a checkpoint save moves the checkpoint it replaces, between its two renames.</summary>
    private const string RetiredCheckpointName = CheckpointDirectoryName + ".old";

    /// <summary>The artifacts directory, as given to <see cref="Generate(TrainingArtifactsOptions, string)"/> or <see cref="Open"/>.</summary>
    public string Directory { get; }

    /// <summary>What the directory records of the run; replaced by <see cref="SaveCheckpoint"/> with the properties it saved.</summary>
    public TrainingProperties Properties { get; private set; }

    /// <summary>
    /// Keeps the card the run writes with its model (<see cref="ModelCardRecordFile"/>), whole or not at all, so that a
    /// later <c>ortagent export --checkpoint</c> of the run says what it did (method, data, hyperparameters). Written before
    /// the model is exported, so a kill once the model is in place cannot leave the run without it.
    /// </summary>
    /// <param name="card">The card's text, as <see cref="Export.ModelCard.FromInfo"/> composes it.</param>
    public void RecordModelCard(string card)
    {
        ArgumentNullException.ThrowIfNull(card);
        AtomicFile.WriteAllText(System.IO.Path.Combine(Directory, ModelCardRecordFile), card);
    }

    /// <summary>The card the run recorded with <see cref="RecordModelCard"/>, or null: none yet, or artifacts written before 2026-12-04.</summary>
    public string? RecordedModelCard()
    {
        var path = System.IO.Path.Combine(Directory, ModelCardRecordFile);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Full path of <see cref="TrainingModelFile"/> in <see cref="Directory"/>.</summary>
    public string TrainingModelPath => Path.Combine(Directory, TrainingModelFile);

    /// <summary>Full path of <see cref="EvalModelFile"/> in <see cref="Directory"/>.</summary>
    public string EvalModelPath => Path.Combine(Directory, EvalModelFile);

    /// <summary>Full path of <see cref="OptimizerModelFile"/> in <see cref="Directory"/>.</summary>
    public string OptimizerModelPath => Path.Combine(Directory, OptimizerModelFile);

    /// <summary>
    /// Full path of the <see cref="CheckpointDirectoryName"/> directory; of <c>checkpoint.old</c> for a run
    /// <see cref="ReadWithoutClaim"/> read where a save was cut short between its two renames and no run is left to recover it.
    /// </summary>
    public string CheckpointDirectory => Path.Combine(Directory, _checkpointName);

    /// <summary>Full path of the checkpoint's <see cref="ModelCheckpointFile"/>.</summary>
    public string ModelCheckpointPath => Path.Combine(CheckpointDirectory, ModelCheckpointFile);

    /// <summary>
    /// The parameters of the run's best model so far (<c>best/model.safetensors</c>): the best evaluation's of standard
    /// fine-tuning, the encoder and fitted head of a contrastive run. <see cref="Export.ModelExporter.Export"/> prefers them to the checkpoint's.
    /// </summary>
    public string BestModelPath => BestModelPathIn(Directory);

    private static string BestModelPathIn(string directory) => Path.Combine(directory, "best", ModelCheckpointFile);

    /// <summary>
    /// The metadata key of <see cref="BestModelPath"/> giving the step its parameters are from. The best model is saved
    /// when an evaluation improves, the checkpoint only every few epochs, so after a kill the best model can be ahead
    /// of the checkpoint's trainer state: the file itself says which step it holds.
    /// </summary>
    public const string BestStepMetadataKey = "ortagent.step";

    /// <summary>Saves <paramref name="parameters"/>, those of step <paramref name="step"/>, as the run's best model.</summary>
    public void SaveBest(IEnumerable<KeyValuePair<string, TensorData>> parameters, long step) =>
        SafeTensorsWriter.Write(BestModelPath, parameters,
            new Dictionary<string, string> { [BestStepMetadataKey] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>The step a best model read from <see cref="BestModelPath"/> is from; null for one saved before 2026-12-05.</summary>
    public static long? BestStepOf(SafeTensorsFile best) =>
        best.Metadata.TryGetValue(BestStepMetadataKey, out var step)
        && long.TryParse(step, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value) ? value : null;

    /// <summary>Whether <paramref name="directory"/> holds a run that has taken steps: a trainer state or a best model.</summary>
    public static bool HasTrained(string directory) =>
        File.Exists(Path.Combine(directory, CheckpointDirectoryName, TrainerStateFile)) || File.Exists(BestModelPathIn(directory));

    /// <summary>Full path of the checkpoint's <see cref="OptimizerCheckpointFile"/>.</summary>
    public string OptimizerCheckpointPath => Path.Combine(CheckpointDirectory, OptimizerCheckpointFile);

    /// <summary>Full path of the checkpoint's <see cref="PropertiesFile"/>.</summary>
    public string PropertiesPath => Path.Combine(CheckpointDirectory, PropertiesFile);

    /// <summary>
    /// Builds the three graphs and the initial checkpoint from <paramref name="options"/> into <paramref name="outputDirectory"/>.
    /// Every file is written under a temporary name and renamed into place; <c>properties.json</c> is written last,
    /// so a directory with it is complete.
    /// </summary>
    /// <param name="options">What to build.</param>
    /// <param name="outputDirectory">Where; a run already there is replaced once the graphs are built.</param>
    /// <exception cref="UserInputException">The options are invalid, the base model cannot be fine-tuned, or
    /// <paramref name="outputDirectory"/> is refused (see <see cref="CheckDestination"/>).</exception>
    public static TrainingArtifacts Generate(TrainingArtifactsOptions options, string outputDirectory) =>
        Generate(options, outputDirectory, encoder: null, startFrom: null, static () => { }, static () => { });

    /// <summary>
    /// The graphs and the initial checkpoint built in memory, then, once <paramref name="beforeChanging"/> has returned,
    /// written into <paramref name="outputDirectory"/> in place of a run there: with <paramref name="derived"/>, its
    /// encoder first, where <paramref name="encoderPath"/> is; with <paramref name="startFrom"/>, its weights in the
    /// checkpoint, checked before anything changes. <paramref name="beforeBuilding"/> is called once the options are
    /// checked against the encoder (the eval graph, which the same checks refuse, is built first: it takes no gradients),
    /// before the long part of the build; with <paramref name="startFrom"/>, once its weights are checked, so that a
    /// refusal of them is the one line said.
    /// </summary>
    private static TrainingArtifacts Generate(TrainingArtifactsOptions options, string outputDirectory, string encoderPath, Func<OnnxModel> loadEncoder,
        DerivedEncoder? derived, StartingWeights? startFrom, Action beforeBuilding, Action beforeChanging)
    {
        var eval = TrainingGraphBuilder.Build(loadEncoder(), encoderPath, options, training: false);
        // Starting weights are checked against the built run only: said before them, a refusal would follow the warning.
        if (startFrom is null) beforeBuilding();
        var training = TrainingGraphBuilder.Build(loadEncoder(), encoderPath, options, training: true);

        var trainable = training.Trainable.Select(p => new TrainableParameter(p.Key, p.Value.Dims)).ToList();
        var (optimizer, states) = options.Optimizer switch
        {
            OptimizerKind.AdamW => (AdamWOptimizerGraph.Build(trainable, options.AdamW), AdamWOptimizerGraph.StateNames),
            _ => (SgdOptimizerGraph.Build(trainable, options.Sgd), SgdOptimizerGraph.StateNamesFor(options.Sgd)),
        };
        // A LoRA checkpoint is the adapters and the head alone: the frozen base is referenced by its SHA-256.
        IReadOnlyList<KeyValuePair<string, TensorData>> parameters = options.Lora is null ? [.. training.Trainable, .. training.Frozen] : training.Trainable;
        // Read from the base on disk for a LoRA run's SHA-256; a run on a derived encoder trains no adapters.
        var properties = PropertiesOf(options, training, optimizer.Graph.OpsetVersion, states, encoderPath);
        if (startFrom is not null)
        {
            parameters = startFrom(parameters, properties);
            beforeBuilding();
        }

        beforeChanging();
        System.IO.Directory.CreateDirectory(outputDirectory);
        if (options.LeaveMarkedForSetup) BeginSetup(outputDirectory);
        RemovePreviousRun(outputDirectory, encoderPath);
        derived?.Write(Path.GetDirectoryName(encoderPath)!);
        var artifacts = new TrainingArtifacts(outputDirectory, properties);
        training.Model.Save(artifacts.TrainingModelPath);
        eval.Model.Save(artifacts.EvalModelPath);
        optimizer.Save(artifacts.OptimizerModelPath);
        CopyTokenizerFiles(encoderPath, outputDirectory);

        SafeTensorsWriter.Write(artifacts.ModelCheckpointPath, parameters, PyTorchMetadata);
        var zeros = training.Trainable.SelectMany(p => states.Select(s =>
            new KeyValuePair<string, TensorData>(OptimizerGraphNames.State(p.Key, s), TensorData.Zeros(ElementType.Float, p.Value.Dims))));
        SafeTensorsWriter.Write(artifacts.OptimizerCheckpointPath, zeros, PyTorchMetadata);
        // A checkpoint of trained weights put in place (--init-from's, a student's teacher head) has the trainer state of step 0.
        if (startFrom is not null)
            AtomicFile.WriteAllText(artifacts.TrainerStatePath, new Trainer.TrainerState { Seed = artifacts.Properties.Seed }.ToJson());
        AtomicFile.WriteAllText(artifacts.PropertiesPath, JsonSerializer.Serialize(artifacts.Properties, JsonOptions));
        return artifacts;
    }

    /// <summary>
    /// A new run into the artifacts of an earlier one overwrites the graphs and the initial checkpoint, but the earlier
    /// run's other state would outlive it: its best model (which <see cref="Export.ModelExporter.Export"/> prefers to the checkpoint, so a new run
    /// stopped before its first evaluation exported the old one), its trainer state, its data and output records, and a distillation's student record
    /// (whose card section then described a student the new run is not), the card it wrote, and its metrics log and
    /// chart (which an export of the new run, stopped before its chart was drawn, would have copied). The derived encoder goes too, unless it is the
    /// new run's own base (a run on a distilled student's own encoder writes it first).
    /// </summary>
    private static void RemovePreviousRun(string directory, string encoderPath)
    {
        foreach (var name in new[] { "best", CheckpointDirectoryName, CheckpointDirectoryName + ".next", CheckpointDirectoryName + ".old", DerivedEncoderDirectoryName })
        {
            var path = Path.Combine(directory, name);
            if (name == DerivedEncoderDirectoryName && Path.GetFullPath(encoderPath).StartsWith(Path.GetFullPath(path) + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        }
        foreach (var file in new[] { StudentRecordFile, ModelCardRecordFile, SettingsRecordFile, DataRecordFile, OutputRecordFile, MetricsLogFile, TrainingCurveFile })
            File.Delete(Path.Combine(directory, file));
    }

    /// <summary>
    /// Refuses a directory <see cref="Generate(TrainingArtifactsOptions, string)"/> may not write into: a name too long for the file system, a file, a
    /// directory inside another OrtAgent directory (<see cref="DestinationGuard.EnsureOutsideOrtAgentDirectories"/>), or
    /// a directory that holds anything but training artifacts.
    /// Generating overwrites the artifacts' own file names in place, so a new or empty directory, or one that already
    /// holds artifacts (complete, or cut short by a crash), is the only safe kind. Call it before any other work, so a
    /// refusal costs nothing.
    /// </summary>
    /// <param name="directory">Where the artifacts would go.</param>
    /// <param name="what">How the message names the destination (an option and its value); the path when null.</param>
    /// <exception cref="UserInputException">The destination is refused; the message says why.</exception>
    public static void CheckDestination(string directory, string? what = null)
    {
        what ??= $"'{directory}'";
        FileNameLimit.EnsureWithin(directory, what);
        DestinationGuard.EnsureOutsideOrtAgentDirectories(directory, what);
        if (File.Exists(directory)) throw new UserInputException($"{what}: is a file, not a directory");
        if (!System.IO.Directory.Exists(directory)) return;
        // Temporaries of an interrupted write say nothing about whose directory it is.
        var entries = System.IO.Directory.EnumerateFileSystemEntries(directory).Select(p => Path.GetFileName(p))
            .Where(name => !TemporarySiblings.IsTemporaryName(name)).ToList();
        if (entries.Count == 0 || entries.Any(MarkerEntries.Contains)) return;
        throw new UserInputException($"{what}: holds files that are not training artifacts ({DestinationGuard.Describe(entries)}); choose a new or empty directory");
    }

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
    internal static long? UnfinishedRunStep(string directory)
    {
        if (!IsSetUp(directory)) return null;
        var statePath = new[] { CheckpointDirectoryName, RetiredCheckpointName }.Select(c => Path.Combine(directory, c, TrainerStateFile)).FirstOrDefault(File.Exists);
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
        return state.Finished || state.Step == 0 ? null : state.Step;
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

    /// <param name="directory">The artifacts directory.</param>
    /// <param name="recover">Whether to recover a save cut short first; without, one is refused as a save in progress,
    /// unless <paramref name="checkpointName"/> names the checkpoint it left.</param>
    /// <param name="checkpointName">The checkpoint directory to read: <see cref="RetiredCheckpointName"/> for a save cut
    /// short that no run will finish, read as its recovery would leave it.</param>
    private static TrainingArtifacts OpenRun(string directory, bool recover, string checkpointName = CheckpointDirectoryName)
    {
        RefuseNoRunIn(directory);
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
        if (properties.TrainableParameters.Count == 0)
            throw new UserInputException($"'{propertiesPath}' lists no trainable parameters");
        if (properties.Lora is { } lora)
            BaseModelFingerprint.Verify(new TrainingArtifactsOptions { BaseModel = properties.BaseModel }.ResolveEncoderPath(), lora.BaseSha256, directory);
        var artifacts = new TrainingArtifacts(directory, properties, checkpointName);
        foreach (var path in new[] { artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath, artifacts.ModelCheckpointPath, artifacts.OptimizerCheckpointPath })
            if (!File.Exists(path))
                throw new UserInputException($"training artifacts in '{directory}' are incomplete: '{Path.GetRelativePath(directory, path)}' is missing");
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

    /// <summary>File in the checkpoint directory where the trainer keeps its own resume state.</summary>
    public const string TrainerStateFile = "trainer_state.json";

    /// <summary>Full path of the checkpoint's <see cref="TrainerStateFile"/>; absent until the trainer first saves.</summary>
    public string TrainerStatePath => Path.Combine(CheckpointDirectory, TrainerStateFile);

    /// <summary>
    /// Replaces the checkpoint as one unit: the new files are written into <c>checkpoint.next/</c>, then the directories are
    /// swapped (<see cref="AtomicDirectory.Replace"/>: on Linux one exchange, which leaves the old checkpoint at
    /// <c>checkpoint.next/</c> until it is deleted; elsewhere two renames), so an interruption leaves either the old
    /// checkpoint or the new one (recovered by <see cref="Open"/> from <c>checkpoint.old/</c> if it struck between the
    /// renames), never a mixture.
    /// </summary>
    public void SaveCheckpoint(IEnumerable<KeyValuePair<string, TensorData>> parameters, IEnumerable<KeyValuePair<string, TensorData>> optimizerState,
        TrainingProperties properties, string trainerStateJson)
    {
        if (_checkpointName != CheckpointDirectoryName)
            throw new InvalidOperationException($"'{Directory}' was read without its claim from the checkpoint a save cut short left; it is not saved over");
        var next = CheckpointDirectory + ".next";
        var old = Path.Combine(Directory, RetiredCheckpointName);
        if (System.IO.Directory.Exists(next)) System.IO.Directory.Delete(next, recursive: true);
        System.IO.Directory.CreateDirectory(next);
        SafeTensorsWriter.Write(Path.Combine(next, ModelCheckpointFile), parameters, PyTorchMetadata);
        SafeTensorsWriter.Write(Path.Combine(next, OptimizerCheckpointFile), optimizerState, PyTorchMetadata);
        CrashPoint.Reach(CrashPoint.CheckpointTensorsWritten);
        AtomicFile.WriteAllText(Path.Combine(next, TrainerStateFile), trainerStateJson);
        AtomicFile.WriteAllText(Path.Combine(next, PropertiesFile), JsonSerializer.Serialize(properties, JsonOptions));
        AtomicDirectory.Replace(next, CheckpointDirectory, DirectoryLayout.Checkpoint, retired: old);
        Properties = properties;
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

    /// <summary>The <see cref="TrainingProperties.Loss"/> of <see cref="TrainingObjective.PairSimilarity"/> artifacts.</summary>
    public const string PairCosineLoss = "pair_cosine";

    private static readonly Dictionary<string, string> PyTorchMetadata = new() { ["format"] = "pt" };

    private static TrainingProperties PropertiesOf(TrainingArtifactsOptions options, TrainingGraph training, long opset, IReadOnlyList<string> states,
        string encoderPath) => new()
    {
        BaseModel = options.BaseModel,
        Labels = options.LabelNames(),
        NumLabels = options.NumLabels,
        Pooling = ClassifierHeadOptions.ShortName(options.Pooling),
        NormalizeEmbeddings = options.NormalizeEmbeddings,
        Loss = options.Objective == TrainingObjective.PairSimilarity ? PairCosineLoss : LossOptions.ShortName(options.Loss),
        Objective = options.Objective,
        Optimizer = options.Optimizer == OptimizerKind.AdamW ? AdamWOptions.Name : SgdOptions.Name,
        OptimizerSettings = options.Optimizer == OptimizerKind.AdamW
            ? options.AdamW.ToSettings()
            : new Dictionary<string, double> { ["momentum"] = options.Sgd.Momentum, ["dampening"] = options.Sgd.Dampening, ["nesterov"] = options.Sgd.Nesterov ? 1 : 0, ["weight_decay"] = options.Sgd.WeightDecay },
        NoDecay = options.Optimizer == OptimizerKind.AdamW ? options.AdamW.NoDecayPatterns : options.Sgd.NoDecayPatterns,
        Freeze = options.AllFreezePatterns(),
        Seed = options.Seed,
        DropoutRatio = options.DropoutRatio,
        ClassWeights = options.ClassWeights,
        LabelSmoothing = options.LabelSmoothing,
        Temperature = options.Loss == LossKind.Distillation ? options.Temperature : null,
        DistillationWeight = options.Loss == LossKind.Distillation ? options.DistillationWeight : null,
        Opset = opset,
        HiddenSize = training.Encoder.HiddenSize,
        HasTokenTypeIds = training.Encoder.TokenTypeIds is not null,
        TrainableParameters = training.Trainable.Select(p => p.Key).ToList(),
        FrozenParameters = options.Lora is null ? training.Frozen.Select(p => p.Key).ToList() : [],
        Lora = options.Lora is { } lora
            ? new LoraProperties
            {
                Rank = lora.Rank, Alpha = lora.EffectiveAlpha, Dropout = lora.Dropout, Targets = LoraTargetNames.Of(lora.Targets),
                AdaptedWeights = training.LoraAdaptedWeights!, BaseSha256 = BaseModelFingerprint.Of(encoderPath),
            }
            : null,
        OptimizerStates = states,
        MaxLength = options.MaxLength,
        LowerCase = options.LowerCase,
        BaseModelName = options.BaseModelName,
    };

    private static void CopyTokenizerFiles(string encoderPath, string outputDirectory)
    {
        var source = Path.GetDirectoryName(Path.GetFullPath(encoderPath))!;
        foreach (var name in TokenizerFiles)
        {
            var from = Path.Combine(source, name);
            if (!File.Exists(from)) continue;
            AtomicFile.Write(Path.Combine(outputDirectory, name), stream =>
            {
                using var input = File.OpenRead(from);
                input.CopyTo(stream);
            });
        }
    }
}
