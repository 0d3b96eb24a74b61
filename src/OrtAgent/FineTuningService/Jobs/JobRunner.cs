using Microsoft.Extensions.Logging;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using OrtAgent.FineTuning;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Trains one job through the same <see cref="TrainingJob"/> as <c>ortagent train</c> (same defaults, same
/// artifacts, checkpoints and export), with the job's hyperparameters. The job's training log goes to
/// <c>jobs/ID/train.log</c> in the store. A job stopped by the service shutting down stays <c>running</c>: its
/// checkpoint is on disk and the next start resumes it from there. A paused job stops the same way but waits,
/// <c>paused</c>, for a client to resume it.
/// </summary>
internal sealed class JobRunner(FineTuningStore store, ServedModels models, IBaseModelResolver baseModels, FineTuningServiceOptions options, ILogger<JobRunner> logger)
{
    public const string StepMetricsFileName = "step_metrics.csv";

    /// <summary>
    /// Given a job's id, its progress observer and the token that stops its training (a cancel, a pause, the service
    /// stopping), the observer its training reports to: the progress observer itself when null, as in the service. A
    /// test's seam, as a resolver that holds a job's start is (the service's <see cref="IBaseModelResolver"/>): a test
    /// holds the training thread at a report of its choosing (a contrastive job between its last optimizer step and its
    /// head fit) until the job is stopped, to stop it there.
    /// </summary>
    internal Func<string, ITrainingObserver, CancellationToken, ITrainingObserver>? ObserveTraining { get; set; }

    /// <param name="job">The job to run (queued, or running when the service stopped).</param>
    /// <param name="cancel">Fires when a client cancels the job.</param>
    /// <param name="pause">Fires when a client pauses the job; it stops at a checkpoint and waits for a resume.</param>
    /// <param name="stopping">Fires when the service stops; the job then waits for the next start.</param>
    /// <param name="phase">
    /// Whether the job still starts: a cancel or pause then recorded it already, and the run discards what it built
    /// instead of recording how it ended.
    /// </param>
    public async Task RunAsync(JobRecord job, CancellationToken cancel, CancellationToken pause, CancellationToken stopping, JobStartPhase phase)
    {
        try
        {
            await RunJobAsync(job, cancel, pause, stopping, phase);
        }
        finally
        {
            // However the job ended, a start stopped or a store that cannot be written included (End released them already otherwise).
            ReleaseTemporaryNames(job.Id);
        }
    }

    /// <summary>
    /// Releases the temporary names of the job's writes: one that failed (an export refused, or stopped before its swap)
    /// kept its name for its error, which the job words itself; held, the name stayed for the life of the service.
    /// </summary>
    private void ReleaseTemporaryNames(string jobId)
    {
        foreach (var directory in new[] { store.JobArtifactsDirectory(jobId), store.ModelDirectory(jobId), store.JobDirectory(jobId) })
            TemporarySiblings.ReleaseAllFor(directory);
    }

    private async Task RunJobAsync(JobRecord job, CancellationToken cancel, CancellationToken pause, CancellationToken stopping, JobStartPhase phase)
    {
        var artifacts = store.JobArtifactsDirectory(job.Id);
        var (resumeState, refusal) = ResumableState(artifacts);
        long? resumeStep = resumeState?.Step;
        phase.StartsFrom(resumeStep);
        var jobDirectory = store.JobDirectory(job.Id);
        Directory.CreateDirectory(jobDirectory);
        var csvPath = Path.Combine(jobDirectory, StepMetricsFileName);
        // A process killed outright (kill -9, a power cut) reported steps past its last checkpoint; they are trained
        // again, so their metrics and checkpoint objects are forgotten rather than listed twice.
        long from = resumeStep ?? 0;
        long? retrained = new[] { store.ForgetStepsAfter(job.Id, from), JobProgressObserver.ForgetRowsAfter(csvPath, from) }.Max();
        job = job with { Status = JobStatus.Running, EstimatedFinish = null };
        // A cancel or pause that found the job starting recorded it: what this run built goes (artifacts, and a model a
        // resumed run that had finished exported again), except the checkpoint a paused job was resumed from and resumes
        // from again; a job cancelled since (while this run wound down) keeps nothing.
        void DiscardStart()
        {
            if (resumeStep is null || store.GetJob(job.Id) is not { MayStillTrain: true }) BestEffortDelete.Directory(artifacts, recursive: true);
            BestEffortDelete.Directory(store.ModelDirectory(job.Id), recursive: true);
        }
        // A cancel or pause may have found the job in the queue's table before this first write: it is not started.
        if (!phase.TryRecord(() => Record(job, refusal is null ? "info" : "warn", (resumeStep is long step
                ? step == 0 ? $"Resumed fine-tuning from {ResumePoint(step)}" : $"Resumed fine-tuning from the checkpoint at step {step}"
                : refusal is not null ? $"Fine-tuning job started again from step 0: its checkpoint could not be used ({refusal.Replace(store.Directory + Path.DirectorySeparatorChar, "")})"
                : "Fine-tuning job started") +
                (retrained is long last ? $"; steps {from + 1} to {last}, reported before the service was stopped without a checkpoint, are trained again" : ""))))
        {
            DiscardStart();
            return;
        }

        bool contrastive = job.Method == TrainingMethod.Contrastive;
        string baseName = FineTunedModelId.BaseOf(job.Model) ?? job.Model;
        string fineTunedId = FineTunedModelId.Of(job);
        var trainingFile = store.GetFile(job.TrainingFile);
        var validationFile = job.ValidationFile is null ? null : store.GetFile(job.ValidationFile);
        // The run recorded its data by full path, inside the store where it began: a store copied or moved since (a
        // backup restored, a copy to try an upgrade on) holds the same file elsewhere, which the resumed run would refuse
        // as another file, failing the job. The job's file is its data wherever the store is; its digest still guards the examples.
        if (resumeStep is not null && trainingFile is not null)
            TrainingDestinations.RecordData(artifacts, trainingFile.Path, validationFile?.Path);
        var trainOptions = new TrainJobOptions
        {
            DataPath = trainingFile?.Path,
            ValidationPath = validationFile?.Path,
            BaseModel = models.BaseModelLocation(baseName),
            // A resumed job continues from its own checkpoint, which began from the fine-tuned model's weights.
            InitFrom = resumeStep is not null || FineTunedModelId.BaseOf(job.Model) is null ? null
                : models.FineTunedJob(job.Model) is { } source ? store.ModelDirectory(source.Id) : null,
            ResumeFrom = resumeStep is null ? null : artifacts,
            OutputDirectory = store.ModelDirectory(job.Id),
            // Where the service's models run, and nothing else of their settings (their memory mode is inference's).
            Session = new Runtime.OrtSessionSettings
            {
                Device = options.Classifier.Session.Device,
                IntraOpThreads = options.Classifier.Session.IntraOpThreads,
                AllowTf32 = options.Classifier.Session.AllowTf32,
            },
            Method = job.Method,
            FineTuning = contrastive
                // The split's seed is the job's; the rest of standard fine-tuning's options a contrastive run refuses when set.
                ? new FineTuningOptions { Seed = job.Seed, LogEverySteps = 1 }
                : new FineTuningOptions
                {
                    Epochs = job.NEpochs,
                    // The job reports n_epochs and one checkpoint per epoch, as OpenAI's do: it trains exactly that many
                    // (no early stop, so trained_tokens and the checkpoints are all the job says), each evaluation judged
                    // on its own; the model served is the best evaluated one, as train keeps it.
                    MinimumSteps = 0,
                    SmoothingWindow = 1,
                    Patience = 0,
                    BatchSize = job.BatchSize,
                    LearningRate = FineTuningJobs.BaseLearningRateOf(job.Method) * job.LearningRateMultiplier,
                    Seed = job.Seed,
                    LogEverySteps = 1,
                },
            Contrastive = contrastive
                ? new ContrastiveOptions
                {
                    // The rounds the job was created with, which already reach the least steps: sampled exactly, as reported.
                    PairRounds = job.PairRounds ?? throw new InvalidOperationException($"contrastive job {job.Id} has no pair rounds"),
                    MinimumSteps = 0,
                    Epochs = job.NEpochs,
                    BatchSize = job.BatchSize,
                    LearningRate = FineTuningJobs.BaseLearningRateOf(job.Method) * job.LearningRateMultiplier,
                    Seed = job.Seed,
                    LogEverySteps = 1,
                }
                : new ContrastiveOptions(),
        };

        using var log = new StreamWriter(Path.Combine(jobDirectory, "train.log"), append: true) { AutoFlush = true };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(log),
        });
        var resolvedBases = new RecordingBaseModelResolver(baseModels);
        var trainer = new TrainingJob(resolvedBases, Microsoft.Extensions.Options.Options.Create(new OrtAgentPaths { ArtifactsRoot = store.ArtifactsDirectory, ArtifactsRootOptionApplies = false }), console);
        // Clients of the API see files by their ids, the store's folders relative to it and a base by its name, never the server's paths, and
        // hyperparameters (or plain words) where the libraries name their options: the one place a message is worded for them.
        // A base that failed to open was never resolved: its folder, when a refusal names it, is given as baseDirectory,
        // and a configured base's is known from the start.
        string baseLocation = models.BaseModelLocation(baseName);
        string? configuredBase = PackagedBaseModelCatalog.Find(baseLocation) is null ? Path.GetFullPath(baseLocation) : null;
        // A write that failed under a temporary name is told with its destination's (TemporarySiblings.NameDestinations)
        // first: the name was the server's, and its file is gone.
        string Describe(string message, string? baseDirectory = null) => JobMessageWording.InText(resolvedBases.Directories
            .Concat(new[] { baseDirectory is null ? null : Path.GetFullPath(baseDirectory), configuredBase }.OfType<string>()).Distinct()
            .Aggregate(TemporarySiblings.NameDestinations(message), (text, directory) => text
                .Replace(directory + Path.DirectorySeparatorChar, $"base model {baseName}: ")
                .Replace(directory, $"base model {baseName}"))
            .Replace(trainingFile?.Path ?? "\0", $"training file {job.TrainingFile}")
            .Replace(validationFile?.Path ?? "\0", $"validation file {job.ValidationFile}")
            .Replace(store.Directory + Path.DirectorySeparatorChar, ""), job.HyperparametersUnderMethod);
        // A cancel or pause that found the job starting recorded it: nothing more is.
        void End(Action record)
        {
            // Before the end is recorded: a client that reads it finds nothing of the job held.
            ReleaseTemporaryNames(job.Id);
            if (!phase.TryEnd(record)) DiscardStart();
        }
        // A failure logged with its exception already is not logged a second time as the job's event.
        // A failed job is never resumed: its artifacts go, to free their space. After the failure is recorded, so that a
        // process killed in between resumes the job rather than find it running with nothing to resume; before, when the
        // disk is full, since recording the failure needs room in the database.
        void Fail(JobError error, string message, bool logged = false, bool freeSpaceFirst = false) => End(() =>
        {
            if (freeSpaceFirst) BestEffortDelete.Directory(artifacts, recursive: true);
            Finish(job with { Status = JobStatus.Failed, Error = error }, $"Fine-tuning job failed: {message}", "error", log: !logged);
            BestEffortDelete.Directory(artifacts, recursive: true);
            DiscardModel();
        });
        // The base is the server's: the client can create the job again, on the base as it is or once the server's
        // operator has put it back; neither can give the job another base (the library's remedies are its callers').
        // A new job that continues a fine-tuned model finds the base it was trained on changed: the model cannot be
        // continued, but the base can be trained as it is now.
        void FailAsBaseModelChanged(string problem, bool unavailable)
        {
            const string OnceItIsBack = "create the job again once the server's operator has put the base model back";
            string message = resumeStep is not null
                ? $"the server's base model {baseName} changed after this job began, so its checkpoint cannot continue ({problem}); "
                    + (unavailable ? OnceItIsBack : "create the job again to train on the base model as it is now")
                : !unavailable
                ? $"the server's base model {baseName} changed after the model {job.Model} was trained on it, so the model cannot be continued ({problem}); "
                    + $"create a job on the base model {baseName} to train on it as it is now"
                : $"the server's base model {baseName} changed after the service started, so this job cannot start ({problem}); {OnceItIsBack}";
            Fail(new JobError("base_model_changed", message, null), message);
        }
        // A job that ends otherwise than succeeded has no model. A resumed run whose earlier process exported its model
        // and was killed before recording success exports it again; stopped before that export's swap, the earlier one
        // was left in the store, unlisted, under a job that says cancelled (or paused, or failed).
        void DiscardModel() => BestEffortDelete.Directory(store.ModelDirectory(job.Id), recursive: true);
        using var progress = new JobProgressObserver(store, job.Id, fineTunedId, csvPath, message => Describe(message), phase, job.Method, resumesFinishedRun: resumeState?.Finished == true,
            metricsEvery: options.MetricsEverySteps);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, pause, stopping);
        TrainJobResult result;
        try
        {
            if (trainingFile is null) throw new UserInputException($"the training file {job.TrainingFile} was deleted");
            // Never silently train from the base encoder instead of the model the job asked to continue.
            if (FineTunedModelId.BaseOf(job.Model) is not null && trainOptions.InitFrom is null && trainOptions.ResumeFrom is null) throw new UserInputException($"the model {job.Model} was deleted");
            // Training is synchronous CPU work: keep it off the thread pool threads that answer requests.
            var observer = ObserveTraining?.Invoke(job.Id, progress, linked.Token) ?? progress;
            result = await Task.Factory.StartNew(() => trainer.RunAsync(trainOptions, observer, linked.Token), linked.Token,
                TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }
        // A cancel or pause that found the job starting may stop the run (OnTrainingStarted) just before its token fires.
        catch (OperationCanceledException) when (phase.StoppedWhileStarting)
        {
            DiscardStart();
            return;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            End(() =>
            {
                Finish(job with { Status = JobStatus.Cancelled }, $"Fine-tuning job cancelled at step {progress.LastStep}");
                BestEffortDelete.Directory(artifacts, recursive: true);
                DiscardModel();
            });
            return;
        }
        catch (OperationCanceledException) when (pause.IsCancellationRequested)
        {
            End(() =>
            {
                // Before the pause's record, which clears the estimated finish the report sets.
                progress.ReportLastStep();
                Record(job with { Status = JobStatus.Paused, EstimatedFinish = null }, "info", phase.FitsHead
                    ? $"Fine-tuning job paused at step {progress.LastStep}, while fitting its classifier head; resuming it fits the head again from {ResumePoint(artifacts)}"
                    : $"Fine-tuning job paused at step {progress.LastStep}; resuming it continues from {ResumePoint(artifacts)}");
                DiscardModel();
            });
            return;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            End(() =>
            {
                store.SetEstimatedFinish(job.Id, null);
                string stopped = $"The service stopped; the job resumes from {ResumePoint(artifacts)} when the service starts again";
                store.AddEvent(job.Id, "warn", stopped);
                Log(job.Id, "warn", stopped);
            });
            return;
        }
        catch (TrainingDivergedException ex)
        {
            // The job's settings or its model, not its file, are at fault: the remedy the message names.
            string message = Describe(ex.Message);
            Fail(new JobError("training_diverged", message, ex.BeforeAnyUpdate ? "model" : job.HyperparameterParam("learning_rate_multiplier")), message);
            return;
        }
        // A resumed job's base refused: its files on the server changed after the job began (a vocab.txt edited or
        // replaced, a model.onnx of fewer positions; whatever a resumed run refuses of its base is the server's files), so
        // its checkpoint cannot continue on it. Failed as invalid_training_file, it told the client to mend a file it never
        // gave; nothing in its request is at fault, so no param is named. What differs is said without the library's
        // remedy, which is its callers' (give it another base): the service's own follows.
        // A new job's too, continuing a fine-tuned model on a base whose vocabulary is not the one the model was trained
        // with: it failed as invalid_training_file, though the client's file was never at fault.
        catch (BaseModelMismatchException ex)
        {
            FailAsBaseModelChanged(Describe(ex.Mismatch), unavailable: false);
            return;
        }
        // A vocabulary its tokenizer refuses now (emptied, a special token gone) is said as the file's fault, with no remedy.
        // A new job's too (it failed as invalid_training_file, param training_file): no job can start on that base until
        // the server's operator mends it, so it is said as a base that is not there.
        catch (InvalidOptionException ex) when (ex.Option == InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.BaseModel)))
        {
            FailAsBaseModelChanged(Describe(ex.Problem), unavailable: resumeStep is null);
            return;
        }
        // Its base's folder gone, or a file of it missing or unreadable, as changed as a file replaced: the same code, so a
        // client handles one answer. Not model_not_found: the name still resolves (a configured base is checked when the
        // service starts, a packaged one pulled again), which GET /v1/models/{base} says. A new job's too: it failed as
        // invalid_training_file, naming the server's folder, though its training file was never at fault.
        catch (BaseModelUnavailableException ex)
        {
            FailAsBaseModelChanged(Describe(ex.Problem, ex.Directory), unavailable: true);
            return;
        }
        // A packaged base the server cannot extract where its models are kept (a read-only models root): no request can
        // mend that, and the base did not change; the server's operator makes the folder writable. The log keeps the path
        // and the file system's reason, which name the server's folders.
        catch (ModelsRootUnwritableException ex)
        {
            logger.LogError(ex, "Fine-tuning job {JobId} failed: base model {BaseModel} cannot be extracted", job.Id, ex.BaseModelName);
            string message = $"the server cannot extract its base model {ex.BaseModelName}, since it cannot write in the folder where it keeps its base models; "
                + "create the job again once the server's operator has made that folder writable";
            Fail(new JobError("base_model_unavailable", message, null), message, logged: true);
            return;
        }
        catch (UserInputException ex)
        {
            string message = Describe(ex.Message);
            Fail(new JobError("invalid_training_file", message, "training_file"), message);
            return;
        }
        catch (Exception ex) when (StorageFull.Is(ex))
        {
            // A checkpoint's file, or the database's row for a step's event (SQLite's SQLITE_FULL, which failed the job as
            // an internal error whose record then found no room either).
            logger.LogError(ex, "Fine-tuning job {JobId} failed: the disk is full", job.Id);
            // SQLite's own words ("SQLite Error 13: 'database or disk is full'.") are its error code's, not the client's: said
            // as the file system says it, with what could not be written.
            // A file is named as what it belongs to: a base being extracted by its name, a checkpoint as the job's.
            string reason = ex switch
            {
                Microsoft.Data.Sqlite.SqliteException => "No space left on device: the service's database cannot grow",
                BaseModelExtractionFullException extraction => Describe(ex.Message, extraction.Directory),
                _ => Describe(TemporarySiblings.NameDestinations(ex.Message).Replace(Path.Combine(artifacts, TrainingArtifacts.CheckpointDirectoryName) + Path.DirectorySeparatorChar, "the job's checkpoint: ")),
            };
            string message = $"the service's disk is full ({reason}); free space on the server, then create the job again";
            Fail(new JobError("insufficient_storage", message, null), message, logged: true, freeSpaceFirst: true);
            return;
        }
        catch (Exception ex) when (Runtime.OutOfMemory.Is(ex))
        {
            logger.LogError(ex, "Fine-tuning job {JobId} failed: out of memory", job.Id);
            string batchSize = job.HyperparameterParam("batch_size");
            string message = $"the service ran out of memory training this job ({Describe(ex.Message)}); create it again with a smaller {batchSize}";
            Fail(new JobError("out_of_memory", message, batchSize), message, logged: true);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Fine-tuning job {JobId} failed", job.Id);
            // The log keeps the whole exception; the client gets its message without the server's paths.
            string message = Describe(ex.Message);
            Fail(new JobError("internal_error", $"{ex.GetType().Name}: {message}", null), message, logged: true);
            return;
        }

        End(() =>
        {
            // The run is over: the evaluations after its last checkpoint are not trained again, ever.
            progress.ListRemainingCheckpoints();
            progress.Dispose();
            var results = AddResultsFile(job.Id, csvPath);
            Finish(job with
            {
                Status = JobStatus.Succeeded,
                FineTunedModel = fineTunedId,
                ResultFiles = [results.Id],
                // Per epoch asked for; an early stop trains fewer, as OpenAI's billing also counts the epochs asked for. A
                // contrastive epoch passes over pairs: each example opens 2 × pair_rounds of them, its tokens counted once for each.
                TrainedTokens = result.TrainingTokens * job.NEpochs * (contrastive ? 2L * job.PairRounds!.Value : 1),
            }, $"The job has successfully completed; the model {fineTunedId} is being served");
            BestEffortDelete.Directory(artifacts, recursive: true);
        });
    }

    /// <summary>Where a stopped job's training continues, for its events.</summary>
    public static string ResumePoint(string artifacts) => ResumePoint(CheckpointStep(artifacts));

    /// <summary>Where a stopped job's training continues, for its events: its checkpoint's step, or null for none.</summary>
    public static string ResumePoint(long? checkpointStep) =>
        checkpointStep is long checkpoint ? ResumePoint(checkpoint) : "the start (no checkpoint was written yet)";

    // What a message says of a stopped job's checkpoint is read and nothing more: the recovery Open does (removing a save's
    // leftovers) belongs to the run that holds the artifacts' claim, and an unreadable checkpoint is for that run to report.
    private static long? CheckpointStep(string artifacts)
    {
        if (!Directory.Exists(artifacts)) return null;
        try
        {
            return TrainingArtifacts.ReadWithoutClaim(artifacts, opened => File.Exists(opened.TrainerStatePath) ? TrainerState.Load(opened.TrainerStatePath).Step : (long?)null);
        }
        catch (Exception ex) when (ex is UserInputException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // A job stopped before its first optimizer step holds the checkpoint it began from: to its client that is the start.
    private static string ResumePoint(long checkpoint) =>
        checkpoint == 0 ? "the start (it had taken no optimizer step)" : $"its checkpoint at step {checkpoint}";

    /// <summary>
    /// The trainer state of a checkpoint to resume from, or null when the job has none and starts (again) from zero; and,
    /// when a run that was set up and checkpointed is refused now (a vocab.txt that is not the run's, a file that cannot
    /// be read, artifacts of a newer build), why: the job then trains again from step 0, which makes the run's files
    /// afresh from the base, and says so, rather than failing over server files its client cannot mend.
    /// </summary>
    private static (TrainerState? State, string? Refusal) ResumableState(string artifacts)
    {
        if (!Directory.Exists(artifacts)) return (null, null);
        string? refusal = null;
        try
        {
            var opened = TrainingArtifacts.Open(artifacts);
            if (File.Exists(opened.TrainerStatePath)) return (TrainerState.Load(opened.TrainerStatePath), null);
        }
        catch (UserInputException ex)
        {
            // Without its properties file, generation was interrupted: nothing was trained, so nothing is lost.
            if (TrainingArtifacts.IsSetUp(artifacts)) refusal = ex.Message;
        }
        BestEffortDelete.Directory(artifacts, recursive: true);
        return (null, refusal);
    }

    private void Finish(JobRecord job, string message, string level = "info", bool log = true)
    {
        store.UpdateJob(job with { FinishedAt = FineTuningStore.Now(), EstimatedFinish = null }, level, message);
        if (log) Log(job.Id, level, message);
    }

    /// <summary>Records a change of the job's state as its event, and logs it: an operator sees in the server's log what a client sees in the job's events.</summary>
    private void Record(JobRecord job, string level, string message)
    {
        store.UpdateJob(job, level, message);
        Log(job.Id, level, message);
    }

    private void Log(string jobId, string level, string message) => logger.Log(level switch
    {
        "error" => LogLevel.Error,
        "warn" => LogLevel.Warning,
        _ => LogLevel.Information,
    }, "Fine-tuning job {JobId}: {Event}", jobId, message);

    private const string ResultsPurpose = "fine-tune-results";

    private StoredFile AddResultsFile(string jobId, string csvPath)
    {
        // A kill between adding the results and recording the job's success makes the resumed job add them again:
        // the earlier copy, which no job names, goes.
        string filename = $"{jobId}-{StepMetricsFileName}";
        foreach (var earlier in store.FilesNamed(filename, ResultsPurpose))
        {
            store.DeleteFile(earlier.Id);
            BestEffortDelete.File(earlier.Path);
        }
        var id = FineTuningStore.NewId("file-");
        var path = Path.Combine(store.FilesDirectory, id + ".csv");
        File.Copy(csvPath, path);
        var file = new StoredFile(id, new FileInfo(path).Length, FineTuningStore.Now(), filename, ResultsPurpose, "processed", path);
        store.AddFile(file);
        return file;
    }
}
