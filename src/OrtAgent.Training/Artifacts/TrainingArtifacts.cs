using System.Text.Json;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;

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

    /// <summary>
    /// What the run's card says of it before it trains (method, data, hyperparameters), written as it starts, from which an
    /// export of the run before it has written <see cref="ModelCardRecordFile"/> takes them.
    /// </summary>
    public const string StartingCardRecordFile = "card.start.md";

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

    /// <summary>
    /// Keeps what the run's card can say as the run starts (<see cref="StartingCardRecordFile"/>), whole or not at all, so
    /// that an export of the run stopped, killed or still training says its method, data and hyperparameters: the card
    /// <see cref="RecordModelCard"/> keeps is written only once the run has trained.
    /// </summary>
    /// <param name="card">The card's text, as <see cref="Export.ModelCard.FromInfo"/> composes it.</param>
    public void RecordStartingCard(string card)
    {
        ArgumentNullException.ThrowIfNull(card);
        AtomicFile.WriteAllText(System.IO.Path.Combine(Directory, StartingCardRecordFile), card);
    }

    /// <summary>The card the run recorded as it started (<see cref="RecordStartingCard"/>), or null: runs begun before 2026-12-07 record none.</summary>
    public string? RecordedStartingCard()
    {
        var path = System.IO.Path.Combine(Directory, StartingCardRecordFile);
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
        // A write that fails in checkpoint.next (a full disk) is told as the checkpoint's: the user never sees checkpoint.next,
        // which the failure removes.
        string standingIn = TemporarySiblings.StandIn(next, CheckpointDirectory);
        try
        {
            System.IO.Directory.CreateDirectory(next);
            SafeTensorsWriter.Write(Path.Combine(next, ModelCheckpointFile), parameters, PyTorchMetadata);
            SafeTensorsWriter.Write(Path.Combine(next, OptimizerCheckpointFile), optimizerState, PyTorchMetadata);
            CrashPoint.Reach(CrashPoint.CheckpointTensorsWritten);
            AtomicFile.WriteAllText(Path.Combine(next, TrainerStateFile), trainerStateJson);
            AtomicFile.WriteAllText(Path.Combine(next, PropertiesFile), JsonSerializer.Serialize(properties, JsonOptions));
        }
        catch
        {
            // A save that failed (a full disk, most likely) leaves the checkpoint as it was and nothing beside it: a half
            // written checkpoint.next held the space the user was just told to free, until the run was resumed.
            BestEffortDelete.Directory(next, recursive: true);
            throw;
        }
        AtomicDirectory.Replace(next, CheckpointDirectory, DirectoryLayout.Checkpoint, retired: old);
        TemporarySiblings.Release(standingIn);
        Properties = properties;
    }

    /// <summary>The <see cref="TrainingProperties.Loss"/> of <see cref="TrainingObjective.PairSimilarity"/> artifacts.</summary>
    public const string PairCosineLoss = "pair_cosine";

    /// <summary>The <see cref="TrainingProperties.Loss"/> of <see cref="TrainingObjective.PairSimilarity"/> artifacts built with the supervised contrastive loss.</summary>
    public const string PairSupervisedContrastiveLoss = "pair_supcon";

    /// <summary>The <see cref="TrainingProperties.Loss"/> that records <paramref name="loss"/>.</summary>
    public static string PairLossName(Contrastive.ContrastiveLoss loss) =>
        loss == Contrastive.ContrastiveLoss.SupervisedContrastive ? PairSupervisedContrastiveLoss : PairCosineLoss;

    private static readonly Dictionary<string, string> PyTorchMetadata = new() { ["format"] = "pt" };
}
