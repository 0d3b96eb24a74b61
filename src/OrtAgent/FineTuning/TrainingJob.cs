using OrtAgent.BaseModels;
using OrtAgent.Cli;
using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.FineTuning;

/// <summary>
/// The main job, in three stages: <see cref="PrepareAsync"/> checks the options and the device, resolves the base model,
/// reads and tokenizes the data and generates (or reopens, with <c>--resume</c>) the training artifacts under the
/// artifacts root; <see cref="Train"/> runs <see cref="FineTuner"/> and draws the training curve; <see cref="ExportAndPromote"/>
/// exports the best model atomically to the output directory together with <c>metrics.jsonl</c>, the chart and a model
/// card, and finally considers promotion. <c>error</c> is the command line's stderr, for the warning a new run gives
/// as it starts to build in place of an unfinished one; null for the fine-tuning service, whose jobs each train in
/// their own artifacts. <c>stopNotice</c> is what the command line's Ctrl+C says, kept up to date for a run without an
/// observer (the command line's; the service's jobs each have one).
/// </summary>
internal sealed partial class TrainingJob(IBaseModelResolver baseModels, Microsoft.Extensions.Options.IOptions<OrtAgentPaths> paths, IAnsiConsole console,
    ErrorOutput? error = null, StopNotice? stopNotice = null) : ITrainingJob
{
    public Task<TrainJobResult> RunAsync(TrainJobOptions options, CancellationToken cancellationToken) =>
        RunAsync(options, observer: null, cancellationToken);

    /// <summary>
    /// The stop notice a run keeps up to date: the command line's; none for a fine-tuning service's job (an
    /// <paramref name="observer"/>), whose Ctrl+C stops the server, not the job.
    /// </summary>
    private StopNotice? NoticeFor(ITrainingObserver? observer) => observer is null ? stopNotice : null;

    /// <summary>Runs the job, also reporting progress to <paramref name="observer"/> (the fine-tuning service's events).</summary>
    public async Task<TrainJobResult> RunAsync(TrainJobOptions options, ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        // One seed unless the pairs' is set apart (train --seed sets both; a job's options may leave the pairs' unset).
        options = options with { Contrastive = options.Contrastive.WithSeedFrom(options.FineTuning.Seed) };
        var notice = NoticeFor(observer);
        if (options.ResumeFrom is { } resumed)
            notice?.BeforeResumedTraining(resumed, TrainingDestinations.ResumeCommand("train", resumed, options.Session, options.PromoteTo));
        else
            notice?.BeforeTraining(options.OutputDirectory);
        var run = await PrepareAsync(options, observer, cancellationToken);
        using (run.Claim)
        using (run.OutputClaim)
        {
            var (result, contrastive) = Train(run.Options, run, observer, cancellationToken);
            return ExportAndPromote(run.Options, run, result, contrastive, observer, cancellationToken);
        }
    }

    /// <summary>
    /// The method a new run trains by, and why. Without <c>--method</c> it is standard fine-tuning as the default, which the
    /// console and the model card say as such: they said "asked for" of a run that asked for nothing. Options built in
    /// code (the service's jobs, whose method the job resolved) do not say what was given, and keep "asked for".
    /// </summary>
    private static TrainingMethodChoice ChooseMethod(TrainJobOptions options, IReadOnlyCollection<int> examplesPerLabel) =>
        options.Method == TrainingMethod.Standard
            && options.Given is { } given && !given.Contains(InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.Method)))
            ? new TrainingMethodChoice(TrainingMethod.Standard, "the default")
            : TrainingMethodChoice.Resolve(options.Method, examplesPerLabel);

    /// <summary>
    /// The method line of a resumed run: the method its artifacts were built for, which it keeps whatever this call asks,
    /// with why its first call chose it (<paramref name="firstReason"/>, null when not recorded), not as if this call had
    /// chosen it ("the default" when <c>--method auto</c> was given). Where <c>--method auto</c> was given and would
    /// choose another method for this data (<paramref name="auto"/>), that is said too.
    /// </summary>
    private static string ResumedMethodLine(TrainingMethod method, string? firstReason, TrainingMethodChoice? auto)
    {
        string line = $"Method: {TrainingMethodChoice.ShortName(method)} (a resumed run keeps the method it began with" + (firstReason is null ? "" : $", chosen then: {firstReason}");
        return auto is not null && auto.Method != method
            ? $"{line}; --method auto would choose {TrainingMethodChoice.ShortName(auto.Method)} for this data ({auto.Reason}), which takes a new run)"
            : line + ")";
    }

    /// <summary>Everything before the first step; fails on bad options or an unusable device before anything is read or written.</summary>
    private async Task<PreparedRun> PrepareAsync(TrainJobOptions options, ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        options.Validate();
        if (options.ResumeFrom is null && options.Method == TrainingMethod.Standard)
            RefuseContrastiveOnlyOptions(options, new TrainingMethodChoice(TrainingMethod.Standard, "asked for"), resume: null);
        if (options.ResumeFrom is null) RefuseTemperatureWithoutSupervisedContrastive(options, options.Contrastive.Loss, resume: null);
        var settings = options.Session;
        // Fail on an unusable device before anything is read or written, not after the artifacts are built.
        using (settings.CreateSessionOptions()) { }
        // What is wrong with the command itself is told before a resumed run's claim, which another run may hold; the
        // options compared with the run's own wait for it (opening the run may recover its last save).
        // An explicit contrastive run checks its pair settings here too, not after reading the data; auto's wait for its choice.
        // A resumed run trains with its own loss, not the one the options name, so its temperature waits for that loss
        // (RefuseTemperatureWithoutSupervisedContrastive, then the recorded settings).
        if (options.ResumeFrom is not null) (options.Contrastive with { Temperature = null }).Validate();
        else if (options.Method == TrainingMethod.Contrastive) options.Contrastive.Validate();
        // Before the data files are checked, which reads their headers by these columns.
        if (options.ResumeFrom is { } resumeFrom)
        {
            var (textColumn, labelColumn) = ResumedRunCheck.KeepColumns(options.TextColumn, options.LabelColumn, resumeFrom);
            options = options with { TextColumn = textColumn, LabelColumn = labelColumn };
        }
        var (resumeClaim, checkedData) = TrainingDestinations.CheckThenClaimIfResuming(options.OutputDirectory, ArtifactsDirectoryFor(options), paths.Value.ArtifactsRootSetting,
            options.ResumeFrom, options.DataPath, options.ValidationPath, Columns(options), options.FineTuning.Seed, options.PromoteTo, paths.Value.ArtifactsRootOptionApplies);
        try
        {
            // Only a new run starts from a model (Validate refuses --init-from with --resume): read after its destinations are checked.
            var initFrom = options.InitFrom is null ? null : InitialModel.Open(options.InitFrom, InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.InitFrom)));
            if (initFrom?.Adapter is not null) RefuseWithAdapter(options, initFrom.Directory);
            return await PrepareClaimedAsync(options, initFrom, resumeClaim, checkedData, observer, cancellationToken);
        }
        catch
        {
            resumeClaim?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="PrepareAsync"/> once the options and destinations are checked; <paramref name="resumeClaim"/> holds a
    /// resumed run's artifacts already.
    /// </summary>
    private async Task<PreparedRun> PrepareClaimedAsync(TrainJobOptions options, InitialModel? initFrom, ArtifactsClaim? resumeClaim,
        CheckedDataFiles? checkedData, ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        var settings = options.Session;
        var resume = options.ResumeFrom is null ? null : TrainingArtifacts.Open(options.ResumeFrom);
        TrainingMethodChoice? resumedMethod = null;
        RecordedSettings? recorded = null;
        if (resume is not null)
        {
            // Its graphs read teacher logits no classifier's data carries, and its export is a student's, with a student's card.
            if (ResumedStudent.IsStudent(resume))
                throw new UserInputException($"--resume {resume.Directory}: these artifacts are a student's, made by distill; continue them with distill --resume");
            // Their graphs take float targets or a teacher's logits, which a text's one label does not give: refused before anything is written.
            if (ClassifierRunLosses.WhyNotContinued(resume.Properties) is { } notAClassifiers)
                throw new UserInputException($"--resume {resume.Directory}: {notAClassifiers}; train trains single-label classifiers from one label per text (loss ce): start a new run without --resume");
            RecordedBaseModel.Require(resume);
            ResumedRunCheck.Check(options, resume);
            // Explicit weights need only the run's labels; balanced ones are checked once the data is read.
            ResumedRunCheck.CheckClassWeights(options, resume, data: null);
            // A resumed run keeps its artifacts' method, and says why it was chosen as its first run did.
            recorded = RecordedSettings.Read(resume.Directory);
            resumedMethod = TrainingMethodChoice.Resumed(resume, recorded);
            // The options the resumed run's method never reads, refused in those words (not as a change of its settings).
            if (resumedMethod.Method == TrainingMethod.Contrastive)
            {
                RefuseStandardOnlyOptions(options, resumedMethod, resume);
                // Settings recorded before the loss was an option are the cosine loss's, as the artifacts' properties say.
                RefuseTemperatureWithoutSupervisedContrastive(options, recorded?.Contrastive.Loss ?? ContrastiveLoss.CosineSimilarity, resume);
            }
            else RefuseContrastiveOnlyOptions(options, resumedMethod, resume);
            options = ResumedRunCheck.WithRecordedData(options, resume);
            options = ResumedRunCheck.WithRecordedSettings(options, resume, recorded);
        }
        // An adapter fixes the new run's rank and targets; a run resumed from artifacts keeps the ones it was built with.
        if (initFrom is not null && resume is null) options = options with
        {
            Lora = initFrom.LoraFor(options.Lora, options.WasSet(Lora(nameof(LoraOptions.Rank)), true), options.WasSet(Lora(nameof(LoraOptions.Targets)), true),
                GivenLoraOptions(options)),
        };

        // A new LoRA run (asked for, or from an adapter) that sets no rate takes LoRA's; a resumed one keeps its recorded rate.
        bool loraDefaultRate = resume is null && options.Lora is not null && options.FineTuning.LearningRate is null;
        options = options with { FineTuning = options.FineTuning.WithLearningRateResolved(loraAdapters: options.Lora is not null) };

        var baseModel = resume is not null
            ? await RecordedBaseModel.OpenAsync(resume, baseModels, cancellationToken)
            : await OpenNewRunBaseAsync(BaseFor(options, initFrom), cancellationToken);
        string baseName = resume?.Properties.BaseModelName ?? baseModel.Descriptor?.Name ?? Path.GetFileName(baseModel.Directory.TrimEnd('/'));
        if (resume is null) initFrom?.RefuseMoreLayersThan(baseModel.Architecture.Layers, InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.BaseModel)));
        // A run on the model's own encoder reads text as that encoder does (InitialModel.OwnEncoderOver).
        var ownEncoder = resume is null ? initFrom?.OwnEncoderOver(baseModel) : null;
        var encoderArchitecture = ownEncoder ?? baseModel.Architecture;
        // A new run's length is capped as the library's is, and said in its words; a resumed run's is the one it recorded,
        // which its base took when the run began (its model.onnx replaced since by one of fewer positions cut every text
        // shorter, and exported that length, without a word).
        int maxLength = resume?.Properties.MaxLength is int recordedLength
            ? RequirePositionsFor(recordedLength, baseModel, resume, options)
            : Math.Min(options.MaxLength, encoderArchitecture.MaxPositions);
        if (resume is null && MaxLengthNotice.Of(InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.MaxLength)), options.MaxLength, encoderArchitecture.MaxPositions) is { } capped)
            console.MarkupLine(Markup.Escape(OptionFlags.InText(capped)));
        bool lowerCase = encoderArchitecture.LowerCase;
        var textOptions = new BertTextEncoderOptions { LowerCase = lowerCase, MaxLength = maxLength };
        // A resumed run's base is the one its artifacts record, which --base (if given) must match. The run tokenizes with
        // the base's vocab.txt, which must be the one the weights it continues were trained with.
        var encoder = ownEncoder is null
            ? baseModel.CreateRunTextEncoder(textOptions, InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.BaseModel)), options.BaseModel ?? baseModel.Directory,
                resume is not null ? RecordedVocabulary.Of(resume.Properties.VocabularySha256, $"the run in '{resume.Directory}'") : initFrom?.RecordedVocabulary)
            : initFrom!.CreateTextEncoder(textOptions);

        var dataPath = options.DataPath ?? DefaultDataset.FilePath;
        var columns = Columns(options);
        console.MarkupLine(Markup.Escape($"Reading {dataPath} ..."));
        var data = TrainingData.Load(dataPath, options.ValidationPath, columns, encoder, options.FineTuning.Seed,
            LabelsToKeep(resume, initFrom), cancellationToken, keepValidationTexts: options.PromoteTo is not null, checkedData);
        if (options.PromoteTo is { } promoteTo) ModelPromotion.CheckLabels(promoteTo, data.Labels);
        if (resume is not null)
        {
            ResumedRunCheck.CheckData<TrainJobOptions>(recorded, data.Digest, dataPath, options.ValidationPath, resume.Directory);
            ResumedRunCheck.CheckClassWeights(options, resume, data);
            // An older build's run: its schedule is checked against the rate it logged, and what it takes is said.
            if (recorded is null && resume.Properties.Step > 0 && UnrecordedSettings.ForTrain(options, resume, resumedMethod!.Method, data.Training) is { } unrecorded)
            {
                SayAside(unrecorded);
                observer?.OnWarning(unrecorded);
            }
        }
        console.MarkupLine(Markup.Escape($"{data.Summary()}; base {baseName} ({baseModel.Directory})"));
        if (data.BlankLinesNotice() is { } blank) console.MarkupLine(Markup.Escape(blank));
        if (data.CutNotice(maxLength) is { } cut) console.MarkupLine(Markup.Escape(cut));
        foreach (var warning in data.Warnings())
        {
            SayAside(warning);
            observer?.OnWarning(warning);
        }

        var examplesPerLabel = data.ExamplesPerLabel(data.Training);
        var method = resumedMethod ?? ChooseMethod(options, examplesPerLabel);
        console.MarkupLine(Markup.Escape(resumedMethod is null ? $"Method: {method}"
            : ResumedMethodLine(method.Method, recorded?.MethodReason, options.Method == TrainingMethod.Auto ? TrainingMethodChoice.Resolve(TrainingMethod.Auto, examplesPerLabel) : null)));
        // What auto's choice costs, which its reason (a class's size) does not say: contrastive's stage 1 grows with every example.
        if (resumedMethod is null && options.Method == TrainingMethod.Auto)
            console.MarkupLine(Markup.Escape(TrainingMethodCost.Describe(examplesPerLabel.Sum(), options.FineTuning, options.Contrastive) + "; --method picks one"));
        if (options.Lora is not null && resume is null && method.Method == TrainingMethod.Contrastive)
            throw new UserInputException(
                initFrom?.Adapter is not null && !options.WasSet(Lora(nameof(LoraOptions.Rank)), true)
                    ? AdapterNotContrastive(initFrom.Directory)
                    : $"--lora-rank applies to standard fine-tuning; --method auto chose contrastive ({method.Reason}), so pass --method standard to use it");
        if (loraDefaultRate)
        {
            // Only new adapters start at zero; an adapter read by --init-from has trained weights.
            string why = initFrom?.Adapter is null ? "adapters start at zero and barely move" : "adapters barely move";
            console.MarkupLine(Markup.Escape(
                $"Learning rate: {LearningRateText.Of(options.FineTuning.LearningRate!.Value)}, LoRA's default ({why} at full fine-tuning's {LearningRateText.Of(FineTuningOptions.DefaultLearningRate)}); --lr sets another."));
        }
        // An explicit standard and a resumed run were checked before the data was read; auto is known only now.
        if (method.Method == TrainingMethod.Standard && resume is null && options.Method == TrainingMethod.Auto) RefuseContrastiveOnlyOptions(options, method, resume: null);
        if (method.Method == TrainingMethod.Contrastive)
        {
            if (resume is null) RefuseStandardOnlyOptions(options, method, resume: null);
            options.Contrastive.Validate();
            options.Contrastive.CheckPairCount(data.Training.Count);
        }
        RefuseFewerThanTwoTexts(data, options, method);
        // A standard run trains on from the model's head, so it reads the encoder as that head did.
        var startingHead = resume is null && method.Method == TrainingMethod.Standard ? initFrom?.Head : null;
        if (startingHead is not null)
        {
            string pooling = InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.Pooling));
            options = options with { Pooling = initFrom!.PoolingFor(options.Pooling, options.WasSet(pooling, options.Pooling != new TrainJobOptions().Pooling), pooling) };
            if (startingHead.NormalizeEmbeddings || startingHead.Pooling != new TrainJobOptions().Pooling)
                console.MarkupLine(Markup.Escape($"Head: {ClassifierHeadOptions.ShortName(startingHead.Pooling)} pooling"
                    + (startingHead.NormalizeEmbeddings ? ", L2-normalised embeddings" : "") + $", as in {initFrom!.Directory}"));
        }

        // Claimed at the first write, once the data and options are checked, so a refused run leaves nothing behind.
        // The output too, as distill and the facade claim it: a run with other artifacts (another --artifacts-root)
        // exporting there would replace this run's model, or this run its.
        bool fresh = resume is null && !Directory.Exists(ArtifactsDirectoryFor(options));
        var claim = resumeClaim ?? TrainingDestinations.ClaimArtifacts(ArtifactsDirectoryFor(options));
        ProcessLock? outputClaim = null;
        try
        {
            outputClaim = TrainingDestinations.ClaimOutput(options.OutputDirectory);
            // Said as the new run starts to build, once its options and data are checked, against the encoder too (a
            // refused command discards nothing): the earlier run is replaced only once the new one is built, in memory,
            // so a Ctrl+C until then keeps it to resume, as the warning says.
            string? unfinished = resume is null && error is not null ? TrainingDestinations.ReplacedRunWarning("train", ArtifactsDirectoryFor(options), options.Session, options.PromoteTo) : null;
            void WarnOfReplacing()
            {
                if (unfinished is not null) error!.Writer.WriteLine($"warning: {unfinished}");
                // A stop at the warning skips the long part of the build.
                cancellationToken.ThrowIfCancellationRequested();
            }
            // A distilled student has fewer layers than the packaged base it records: its own encoder is this run's base.
            string encoderDirectory = baseModel.Directory;
            DerivedEncoder? derivedEncoder = null;
            if (ownEncoder is { Layers: int layers })
            {
                // Recorded in the artifacts as the run's base: a full path, so export and --resume find it from anywhere.
                encoderDirectory = Path.GetFullPath(Path.Combine(ArtifactsDirectoryFor(options), TrainingArtifacts.DerivedEncoderDirectoryName));
                console.MarkupLine(Markup.Escape($"Base: the {layers}-layer encoder of {initFrom!.Directory} (a distilled student; {baseName} has {baseModel.Architecture.Layers} layers)"));
                derivedEncoder = initFrom.OwnEncoder();
            }
            // A resumed run whose artifacts lost the vocab.txt its export ships gets its base's back now, or is refused
            // now: its export refused only once every remaining epoch was trained.
            if (resume is not null && RunVocabularyCopy.RestoreFromBase(resume, baseModel) is { } restored)
            {
                error?.Writer.WriteLine(restored);
                observer?.OnMessage(restored);
            }
            var artifacts = resume ?? GenerateArtifacts(options, encoderDirectory, derivedEncoder, initFrom, baseName, data, options.Pooling,
                startingHead?.NormalizeEmbeddings == true, maxLength, lowerCase, method.Method, WarnOfReplacing, cancellationToken);
            TrainingDestinations.RecordOutput(artifacts.Directory, options.OutputDirectory);
            TrainingDestinations.RecordData(artifacts.Directory, dataPath, options.ValidationPath, options.TextColumn, options.LabelColumn);
            if (resume is null)
                new RecordedSettings(options.FineTuning, options.Contrastive, method.Reason, initFrom is null ? null : Path.GetFullPath(initFrom.Directory), data.Digest,
                    initFrom?.Describe()).Write(artifacts.Directory);
            // A run an older build began records the settings it resumes with (UnrecordedSettings), and generated artifacts
            // those they first train with, so later resumes keep them rather than guess again; why its method was chosen
            // and what started it are not known.
            else if (recorded is null)
                new RecordedSettings(options.FineTuning, options.Contrastive, Data: data.Digest).Write(artifacts.Directory);
            // A resumed run was given no --init-from: its card says what the run recorded when it began.
            string? startedFrom = resume is null ? initFrom?.Describe()
                : recorded?.StartedFrom ?? (recorded?.InitFrom is { } began ? $"`{began}`, as the run recorded when it began." : null);
            // What its card will say of the method, data and hyperparameters, kept now: the card is written once the run
            // has trained, and an export of it stopped, killed or still training had none of them. (An unfinished
            // contrastive run has no head to export.) A resumed run records it again, as its first may predate the record.
            if (method.Method == TrainingMethod.Standard)
                artifacts.RecordStartingCard(ModelCardText.Starting(options, artifacts.Properties, data,
                    new ClassifierModelInfo(data.Labels.ToList(), maxLength, lowerCase, baseName, ModelContract.SingleLabel, new Dictionary<string, double>()), method, startedFrom));
            if (artifacts.Properties.ClassWeights is { } weights)
                console.MarkupLine(Markup.Escape($"Class weights: {ClassWeighting.Describe(data.Labels, weights)}"));
            if (resume is null)
            {
                TrainingArtifacts.CompleteSetup(artifacts.Directory);
                // The notice first, so that a stop prompted by the line below is told what it keeps.
                NoticeFor(observer)?.BeforeResumedTraining(artifacts.Directory, TrainingDestinations.ResumeCommand("train", artifacts.Directory, options.Session, options.PromoteTo));
                TrainingDestinations.SayBuilt(console, artifacts.Directory, replaced: unfinished is not null);
            }
            var state = resume is not null && File.Exists(resume.TrainerStatePath) ? TrainerState.Load(resume.TrainerStatePath) : null;
            if (state is not null)
                console.MarkupLine(Markup.Escape(state.Finished
                    // Said, not left to the export line alone: a finished run takes no further steps, whatever --epochs asks.
                    ? $"The run in {artifacts.Directory} finished at step {state.Step}: nothing is left to train, so " +
                      // A contrastive run's model is its head, fitted after the last step: a stop then left no head to export.
                      (method.Method == TrainingMethod.Contrastive
                          ? "its classifier head is fitted again and its model exported (--contrastive-epochs"
                          : "its model is exported again (--epochs") +
                      " does not extend a finished run; to train on, start a new run from its model with --init-from)."
                    : $"Resuming {artifacts.Directory} at epoch {state.Epoch}, step {state.Step}."));
            return new PreparedRun(options, settings, baseName, maxLength, lowerCase, encoder.PaddingTokenId, data, artifacts, state, method, claim, outputClaim, startedFrom);
        }
        catch
        {
            // Artifacts this run generated and then could not start from (an adapter for another base, say) would be
            // resumed later as if they were the run asked for: nothing of it is left behind.
            if (fresh) BestEffortDelete.Directory(ArtifactsDirectoryFor(options), recursive: true);
            outputClaim?.Dispose();
            claim.Dispose();
            throw;
        }
    }

    /// <summary>The maximum length <paramref name="resume"/> recorded, which its base must still take.</summary>
    /// <exception cref="BaseModelMismatchException">The base's model.onnx has fewer positions now: its base changed since the run began.</exception>
    private static int RequirePositionsFor(int recordedLength, BaseModel baseModel, TrainingArtifacts resume, TrainJobOptions options)
    {
        if (recordedLength <= baseModel.Architecture.MaxPositions) return recordedLength;
        throw new BaseModelMismatchException(InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.BaseModel)), options.BaseModel ?? baseModel.Directory,
            $"{baseModel.ModelPath} takes at most {baseModel.Architecture.MaxPositions} tokens, fewer than the {recordedLength} the run in '{resume.Directory}' was built with "
            + "and reads every text to", BaseModelMismatchException.GiveTheTrainedBase);
    }

    /// <summary>
    /// Opens the base a new run builds on (<see cref="BaseFor"/>). A folder that cannot be opened is refused as
    /// <see cref="BaseModelUnavailableException"/>, its line the resolver's, so that a host whose bases are not its
    /// callers' (the fine-tuning service's, checked when it started) words it as the base's absence, not the caller's mistake.
    /// </summary>
    /// <exception cref="BaseModelUnavailableException">The base is a folder that is gone, or that lacks a file it needs or holds one that cannot be read.</exception>
    private async Task<BaseModel> OpenNewRunBaseAsync(string nameOrDirectory, CancellationToken cancellationToken)
    {
        try
        {
            return await baseModels.ResolveAsync(nameOrDirectory, cancellationToken);
        }
        // A packaged base is pulled again where its copy is gone or damaged: what refuses one is not its folder (a copy
        // that cannot be read is refused by the pull as unavailable already).
        catch (UserInputException ex) when (PackagedBaseModelCatalog.Find(nameOrDirectory) is null)
        {
            throw BaseModelUnavailableException.Opening(nameOrDirectory, ex, ex.Message);
        }
        // A file of the folder that cannot be read (its vocab.txt's permissions): the folder's, not a bug of the run.
        catch (Exception ex) when ((ex is UnauthorizedAccessException || ex is IOException io && !DiskFull.Is(io)) && PackagedBaseModelCatalog.Find(nameOrDirectory) is null)
        {
            throw BaseModelUnavailableException.Opening(nameOrDirectory, ex, $"base model directory '{Path.GetFullPath(nameOrDirectory)}' cannot be read: {ex.Message}");
        }
    }

    /// <summary>
    /// The base a new run builds on: the one asked for; else the packaged base the <c>--init-from</c> model was fine-tuned
    /// from, so its card names the weights' true lineage; else minilm.
    /// </summary>
    /// <exception cref="UserInputException">A packaged base is asked for that is not the <c>--init-from</c> model's own.</exception>
    private static string BaseFor(TrainJobOptions options, InitialModel? initFrom)
    {
        string? own = initFrom?.BaseModelName is { } name ? PackagedBaseModelCatalog.Find(name)?.Name : null;
        // The default's vocabulary would give the model token ids its embeddings were never trained on, or has not got.
        // ("unknown" is what a model recording no base reads as: it keeps the default, as it always did.)
        if (options.BaseModel is null && own is null && initFrom?.BaseModelName is { } unpackaged && unpackaged != "unknown")
            throw new UserInputException($"--init-from {initFrom.Directory} was fine-tuned from {unpackaged}, which is not a packaged base model ({PackagedBaseModelCatalog.KnownNames}); " +
                "give that base model's directory as --base");
        if (options.BaseModel is null) return own ?? TrainJobOptions.DefaultBaseModel;
        if (own is not null && PackagedBaseModelCatalog.Find(options.BaseModel) is { } asked && asked.Name != own)
            throw new UserInputException($"--base {options.BaseModel}: --init-from {initFrom!.Directory} was fine-tuned from {own}, and its weights would replace {asked.Name}'s; leave --base out");
        return options.BaseModel;
    }

    /// <summary>
    /// The labels the data must carry, kept in their order, and whose they are as a refusal names them: a resumed run's,
    /// else the <c>--init-from</c> model's (or adapter's); null for a new run, which numbers the data's labels sorted.
    /// </summary>
    private static (IReadOnlyList<string> Labels, string Of)? LabelsToKeep(TrainingArtifacts? resume, InitialModel? initFrom) =>
        resume is not null ? (resume.Properties.Labels, $"the run in {resume.Directory}")
        : initFrom?.Labels is { } own ? (own, $"the --init-from {(initFrom.Adapter is null ? "model" : "adapter")} {initFrom.Directory}")
        : null;

    private static string Lora(string property) => InvalidOptionException.Name<LoraOptions>(property);

    /// <summary>
    /// The LoRA options the command set, as a refusal of them names them ("leave --lora-dropout unset"): it named
    /// --lora-rank, which a command given only --lora-dropout or --lora-targets never had. The LoRA setting as a whole
    /// when none can be told.
    /// </summary>
    private static string GivenLoraOptions(TrainJobOptions options)
    {
        var defaults = new LoraOptions();
        var given = new (string Property, bool Differs)[]
        {
            (nameof(LoraOptions.Rank), true),
            (nameof(LoraOptions.Alpha), options.Lora?.Alpha is not null),
            (nameof(LoraOptions.Dropout), options.Lora?.Dropout is not null),
            (nameof(LoraOptions.Targets), options.Lora is { } lora && lora.Targets != defaults.Targets),
        }.Where(option => options.WasSet(Lora(option.Property), option.Differs)).Select(option => Lora(option.Property)).ToList();
        return given.Count > 0 ? string.Join(" and ", given) : InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.Lora));
    }

    private static LabeledTextFileOptions Columns(TrainJobOptions options) => new() { TextColumn = options.TextColumn, LabelColumn = options.LabelColumn };

    /// <summary>Where the run's artifacts are: the resumed directory, or one named after the output under the artifacts root.</summary>
    private string ArtifactsDirectoryFor(TrainJobOptions options) =>
        options.ResumeFrom ?? Path.Combine(paths.Value.ArtifactsRoot, TrainingDestinations.ArtifactsNameFor(options.OutputDirectory));

    /// <summary>
    /// A new run's artifacts, built in memory (on <paramref name="derivedEncoder"/> when the run has its own, from the
    /// weights of <paramref name="initFrom"/>, checked) before they replace a run in the directory: a refusal, or a stop
    /// looked at once all is built, leaves that run as it was. <paramref name="beforeBuilding"/> is called once the
    /// options are checked against the encoder, before the long part of the build.
    /// </summary>
    private TrainingArtifacts GenerateArtifacts(TrainJobOptions options, string encoderDirectory, DerivedEncoder? derivedEncoder, InitialModel? initFrom,
        string baseName, TrainingData data, PoolingMode pooling, bool normalizeEmbeddings, int maxLength, bool lowerCase, TrainingMethod method,
        Action beforeBuilding, CancellationToken cancellationToken)
    {
        var directory = ArtifactsDirectoryFor(options);
        console.MarkupLine(Markup.Escape($"Building training graphs in {directory} ..."));
        // Built as for standard fine-tuning; the method's own objective (and what the pair objective leaves out) is shared.
        return TrainingArtifacts.Generate(ClassifierTraining.ArtifactsOptions(new TrainingArtifactsOptions
        {
            BaseModel = Path.GetFullPath(encoderDirectory),
            Labels = data.Labels.ToList(),
            NumLabels = data.Labels.Count,
            Pooling = pooling,
            NormalizeEmbeddings = normalizeEmbeddings,
            FreezePatterns = options.Freeze,
            FreezeLayers = options.FreezeLayers,
            Seed = options.FineTuning.Seed,
            DropoutRatio = options.DropoutRatio,
            EncoderDropoutRatio = options.EncoderDropoutRatio,
            ClassWeights = options.ClassWeights.Resolve(data.Labels, data.ExamplesPerLabel(data.Training), InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.ClassWeights))),
            LabelSmoothing = options.LabelSmoothing,
            AdamW = new AdamWOptions { WeightDecay = options.WeightDecay },
            Lora = options.Lora,
            MaxLength = maxLength,
            LowerCase = lowerCase,
            BaseModelName = baseName,
            LeaveMarkedForSetup = true,
        }, method, options.Contrastive), directory, derivedEncoder, initFrom is null ? null : initFrom.StartFrom,
            beforeBuilding, cancellationToken);
    }

    /// <summary>
    /// What preparation hands to training and export; <c>Options</c> are the ones the run uses (a resumed run's recorded
    /// data and settings, a started-from model's pooling), <c>State</c> is the trainer state to resume from, null for a
    /// fresh run. <c>Claim</c> holds the artifacts for this run and <c>OutputClaim</c> its <c>--output</c>; the caller
    /// disposes both when the run ends. <c>StartedFrom</c> is what its card names as its starting point (<c>--init-from</c>).
    /// </summary>
    private sealed record PreparedRun(TrainJobOptions Options, OrtSessionSettings Settings, string BaseName, int MaxLength, bool LowerCase, int PaddingTokenId,
        TrainingData Data, TrainingArtifacts Artifacts, TrainerState? State, TrainingMethodChoice Method, ArtifactsClaim Claim, ProcessLock OutputClaim,
        string? StartedFrom)
    {
        public string MetricsPath => Path.Combine(Artifacts.Directory, MetricsLog.FileName);

        public string ChartPath => Path.Combine(Artifacts.Directory, TrainingCurveChart.FileName);
    }
}
