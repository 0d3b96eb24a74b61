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

// Writing a run: its setup mark, the graphs and initial checkpoint built from a base encoder, what they replace, and
// where they may go. Reading one back is in TrainingArtifacts.Open.cs.
public sealed partial class TrainingArtifacts
{
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
        Generate(options, outputDirectory, encoder: null, startFrom: null, static () => { }, CancellationToken.None);

    /// <summary>
    /// The graphs and the initial checkpoint built in memory, then, unless <paramref name="cancellationToken"/> was
    /// cancelled meanwhile, written into <paramref name="outputDirectory"/> in place of a run there: with <paramref name="derived"/>, its
    /// encoder first, where <paramref name="encoderPath"/> is; with <paramref name="startFrom"/>, its weights in the
    /// checkpoint, checked before anything changes. <paramref name="beforeBuilding"/> is called once the options are
    /// checked against the encoder (the eval graph, which the same checks refuse, is built first: it takes no gradients),
    /// before the long part of the build; with <paramref name="startFrom"/>, once its weights are checked, so that a
    /// refusal of them is the one line said. The stop is looked at before each <see cref="TrainingBuildPhase"/> begins
    /// (then <paramref name="onPhase"/> is told of it): a cancel while a graph builds is taken once that graph is done, not
    /// once all are (which took tens of seconds), and until <see cref="TrainingBuildPhase.Writing"/> nothing was written.
    /// </summary>
    private static TrainingArtifacts Generate(TrainingArtifactsOptions options, string outputDirectory, string encoderPath, Func<OnnxModel> loadEncoder,
        DerivedEncoder? derived, StartingWeights? startFrom, Action beforeBuilding, CancellationToken cancellationToken, Action<TrainingBuildPhase>? onPhase)
    {
        void Begin(TrainingBuildPhase phase)
        {
            cancellationToken.ThrowIfCancellationRequested();
            onPhase?.Invoke(phase);
        }

        Begin(TrainingBuildPhase.EvalGraph);
        var eval = TrainingGraphBuilder.Build(loadEncoder(), encoderPath, options, training: false);
        // Starting weights are checked against the built run only: said before them, a refusal would follow the warning.
        if (startFrom is null) beforeBuilding();
        Begin(TrainingBuildPhase.TrainingGraph);
        var training = TrainingGraphBuilder.Build(loadEncoder(), encoderPath, options, training: true, beforeGradients: () => Begin(TrainingBuildPhase.Gradients));

        Begin(TrainingBuildPhase.OptimizerGraph);
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

        Begin(TrainingBuildPhase.Writing);
        System.IO.Directory.CreateDirectory(outputDirectory);
        if (options.LeaveMarkedForSetup) BeginSetup(outputDirectory);
        RemovePreviousRun(outputDirectory, encoderPath);
        derived?.Write(Path.GetDirectoryName(encoderPath)!);
        var artifacts = new TrainingArtifacts(outputDirectory, properties);
        training.Model.Save(artifacts.TrainingModelPath);
        eval.Model.Save(artifacts.EvalModelPath);
        optimizer.Save(artifacts.OptimizerModelPath);
        CopyTokenizerFiles(encoderPath, outputDirectory);
        // From the copy, which the run's exports ship and a resumed run's base must match: a derived encoder's vocabulary is written just above.
        var vocabulary = Path.Combine(outputDirectory, ModelContract.VocabularyFile);
        if (File.Exists(vocabulary)) artifacts.Properties = artifacts.Properties with { VocabularySha256 = VocabularyFit.DigestOf(File.ReadAllBytes(vocabulary)) };

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
    /// (whose card section then described a student the new run is not), the cards it wrote, and its metrics log and
    /// chart (which an export of the new run, stopped before its chart was drawn, would have copied). The derived encoder goes too, unless it is the
    /// new run's own base (a run on a distilled student's own encoder writes it first).
    /// </summary>
    private static void RemovePreviousRun(string directory, string encoderPath)
    {
        foreach (var name in PreviousRunFolders)
        {
            var path = Path.Combine(directory, name);
            if (name == DerivedEncoderDirectoryName && Path.GetFullPath(encoderPath).StartsWith(Path.GetFullPath(path) + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        }
        foreach (var file in new[] { StudentRecordFile, ModelCardRecordFile, StartingCardRecordFile, SettingsRecordFile, DataRecordFile, OutputRecordFile, MetricsLogFile, TrainingCurveFile })
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
        if (File.Exists(directory)) throw new UserInputException(new ValueRefusal(what, "is a file, not a directory"));
        if (!System.IO.Directory.Exists(directory)) return;
        // Temporaries of an interrupted write say nothing about whose directory it is.
        var entries = System.IO.Directory.EnumerateFileSystemEntries(directory).Select(p => Path.GetFileName(p))
            .Where(name => !TemporarySiblings.IsTemporaryName(name)).ToList();
        if (entries.Count == 0 || entries.Any(MarkerEntries.Contains)) return;
        throw new UserInputException(new ValueRefusal(what, $"holds files that are not training artifacts ({DestinationGuard.Describe(entries)}); choose a new or empty directory"));
    }

    private static TrainingProperties PropertiesOf(TrainingArtifactsOptions options, TrainingGraph training, long opset, IReadOnlyList<string> states,
        string encoderPath) => new()
    {
        BaseModel = options.BaseModel,
        Labels = options.LabelNames(),
        NumLabels = options.NumLabels,
        Pooling = ClassifierHeadOptions.ShortName(options.Pooling),
        NormalizeEmbeddings = options.NormalizeEmbeddings,
        Loss = options.Objective == TrainingObjective.PairSimilarity ? PairLossName(options.ContrastiveLoss) : LossOptions.ShortName(options.Loss),
        Objective = options.Objective,
        Optimizer = options.Optimizer == OptimizerKind.AdamW ? AdamWOptions.Name : SgdOptions.Name,
        OptimizerSettings = options.Optimizer == OptimizerKind.AdamW
            ? options.AdamW.ToSettings()
            : new Dictionary<string, double> { ["momentum"] = options.Sgd.Momentum, ["dampening"] = options.Sgd.Dampening, ["nesterov"] = options.Sgd.Nesterov ? 1 : 0, ["weight_decay"] = options.Sgd.WeightDecay },
        NoDecay = options.Optimizer == OptimizerKind.AdamW ? options.AdamW.NoDecayPatterns : options.Sgd.NoDecayPatterns,
        Freeze = options.AllFreezePatterns(),
        Seed = options.Seed,
        DropoutRatio = options.DropoutRatio,
        EncoderDropoutRatio = options.EncoderDropoutRatio,
        ClassWeights = options.ClassWeights,
        LabelSmoothing = options.LabelSmoothing,
        Temperature = options.Objective == TrainingObjective.PairSimilarity
            ? options.ContrastiveLoss == Contrastive.ContrastiveLoss.SupervisedContrastive ? (float)options.ContrastiveTemperature : null
            : options.Loss == LossKind.Distillation ? options.Temperature : null,
        DistillationWeight = options.Loss == LossKind.Distillation ? options.DistillationWeight : null,
        Opset = opset,
        HiddenSize = training.Encoder.HiddenSize,
        HasTokenTypeIds = training.Encoder.TokenTypeIds is not null,
        TrainableParameters = training.Trainable.Select(p => p.Key).ToList(),
        FrozenParameters = options.Lora is null ? training.Frozen.Select(p => p.Key).ToList() : [],
        Lora = options.Lora is { } lora
            ? new LoraProperties
            {
                Rank = lora.Rank, Alpha = lora.EffectiveAlpha, Dropout = lora.EffectiveDropout, Targets = LoraTargetNames.Of(lora.Targets),
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
