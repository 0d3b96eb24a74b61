using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using OrtAgent.Cli;
using OrtAgent.Data;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Creates, lists and cancels jobs: all validation happens here, before a job is recorded and queued, so a bad
/// request costs the caller a 400 naming the field and never a failed job it has to poll for.
/// </summary>
internal sealed partial class FineTuningJobs(FineTuningStore store, StoredFiles files, ServedModels models, JobQueue queue, FineTuningServiceOptions options,
    ITrainingFileRows rowReader, Microsoft.Extensions.Logging.ILogger<FineTuningJobs> logger, TimeProvider? clock = null)
    : IFineTuningJobs
{
    // Read as each job object is made, just before it is written: its estimated finish is counted from it.
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // start_fine_tuning's schema gives these as its arguments' ranges (FineTuningTools).
    internal const int MaxEpochs = 50, MaxBatchSize = 512;

    // As OpenAI's API: at most 16 metadata pairs, keys of 1 to 64 characters and values of at most 512.
    private const int MaxMetadata = 16, MaxMetadataKey = 64, MaxMetadataValue = 512;

    internal const double MaxLearningRateMultiplier = 100;

    private static readonly double SupervisedLearningRate = FineTuningOptions.DefaultLearningRate, ContrastiveLearningRate = new ContrastiveOptions().LearningRate;

    /// <summary>
    /// The rate a job of <paramref name="method"/> trains at with a multiplier of 1, which the job runner multiplies: the
    /// library's default for supervised jobs, SetFit's body rate for contrastive ones (as <c>ortagent train</c> has them).
    /// </summary>
    internal static double BaseLearningRateOf(TrainingMethod method) => method == TrainingMethod.Contrastive ? ContrastiveLearningRate : SupervisedLearningRate;

    /// <summary>
    /// <see cref="BaseLearningRateOf"/> as every message writes it beside "× learning_rate_multiplier": 0.00005, 0.00002,
    /// a number the caller multiplies by eye (.NET's own text of it is 5E-05).
    /// </summary>
    internal static string BaseLearningRateText(TrainingMethod method) => BaseLearningRateOf(method).ToString("0.##########", CultureInfo.InvariantCulture);

    // The optimizer takes the rate as a float32: a multiplier above 0 whose rate rounds to 0 there (1e-320) made a job
    // that ran every step and trained nothing, and a subnormal rate (from 1e-35) keeps a few of its bits at best.
    private static string LearningRateMultiplierRange(TrainingMethod method) => FormattableString.Invariant(
        $"a value above 0 and at most {MaxLearningRateMultiplier}, large enough that the learning rate, {BaseLearningRateText(method)} × learning_rate_multiplier, is a normal float32 (at least {NumberText.Of(MinNormalFloat)})");

    /// <summary>What a hyperparameter given with <c>auto</c> is told: the two methods read it differently, so the caller picks one.</summary>
    internal static string AutoTakesNoHyperparameters(string given) =>
        $"method 'auto' takes no hyperparameters ({given} was given): it picks supervised or contrastive training from the training file when the job is created, "
        + "and the hyperparameters mean different things for the two (n_epochs: passes over the examples, or over sentence pairs); "
        + "choose 'supervised' or 'contrastive' to set them";

    // The smallest positive normal float32, 2^-126, which .NET names no constant for.
    private const float MinNormalFloat = 1.17549435E-38f;

    /// <summary>What a seed must be, told by the request reader and here alike.</summary>
    public static readonly string SeedRange = $"an integer from 0 to {int.MaxValue}";

    // \z, not $: $ also matches before a final newline, and "tickets\n" was taken into the model's id, which logs and
    // lists repeat.
    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex SuffixPattern();

    public FileObject AddFile(string path, CancellationToken cancellationToken = default)
    {
        FileStream stream;
        try
        {
            // A FIFO or a device is refused before it is opened: the open would wait for a writer, past any cancel.
            stream = DataFile.OpenRead(path, bufferSize: 81920);
        }
        catch (UserInputException ex)
        {
            throw OpenAIApiException.BadRequest(ex.Message, "file", File.Exists(path) || Directory.Exists(path) ? "invalid_file" : "file_not_found");
        }
        using (stream) return AddFile(stream, Path.GetFileName(path), cancellationToken);
    }

    // The caller's token, not none: an MCP client that cancelled start_fine_tuning while a large file was copied in (or a
    // pipe given as its path was read) had the copy go on to its end, or to the upload limit, for nobody.
    public FileObject AddFile(Stream content, string filename, CancellationToken cancellationToken = default) =>
        FileObject.From(files.AddAsync(content, filename, "fine-tune", cancellationToken).GetAwaiter().GetResult());

    public FineTuningJobObject CreateFromFile(string trainingFilePath, FineTuningJobRequest request, CancellationToken cancellationToken = default)
    {
        var file = AddFile(trainingFilePath, cancellationToken);
        try
        {
            return Create(request with { TrainingFile = file.Id }, cancellationToken);
        }
        catch (Exception ex) when (ex is OpenAIApiException or OperationCanceledException)
        {
            // A refused job leaves no copy behind: the caller never saw this file's id.
            DeleteFile(file.Id);
            throw;
        }
    }

    public void DeleteFile(string fileId) => files.Delete(files.Get(fileId));

    /// <summary>
    /// Whether a job may train at <paramref name="multiplier"/> × the default learning rate: above 0, at most
    /// <see cref="MaxLearningRateMultiplier"/>, and giving a rate the optimizer's float32 holds as a normal number.
    /// </summary>
    internal static bool AcceptsLearningRateMultiplier(double multiplier, TrainingMethod method = TrainingMethod.Standard) =>
        multiplier > 0 && multiplier <= MaxLearningRateMultiplier && float.IsNormal((float)(BaseLearningRateOf(method) * multiplier));

    /// <summary>
    /// The hyperparameters' bounds for the method asked for: supervised ones as before, contrastive ones as
    /// <c>ortagent train --method contrastive</c> takes them (<see cref="ContrastiveOptions.Validate"/>; the epochs
    /// capped as supervised ones are), and none at all with auto. Each refusal names the field where the body holds it.
    /// </summary>
    private static void CheckHyperparameters(FineTuningJobRequest request)
    {
        var method = request.Method;
        bool underMethod = request.HyperparametersUnderMethod;
        string Param(string name) => MethodType.HyperparameterParam(method, name, underMethod);
        if (method == TrainingMethod.Auto)
        {
            foreach (var (name, given) in new[] { ("n_epochs", request.NEpochs is not null), ("batch_size", request.BatchSize is not null),
                         ("learning_rate_multiplier", request.LearningRateMultiplier is not null), ("pair_rounds", request.PairRounds is not null) })
                if (given) throw OpenAIApiException.BadRequest(AutoTakesNoHyperparameters(name), Param(name), "invalid_value");
            return;
        }
        if (request.NEpochs is int epochs and (< 1 or > MaxEpochs))
            throw OutOfRange(method, "n_epochs", Invariant(epochs), below: epochs < 1, underMethod);
        if (request.BatchSize is int batch && (batch < 1 || batch > MaxBatchSizeOf(method)))
            throw OutOfRange(method, "batch_size", Invariant(batch), below: batch < 1, underMethod);
        if (request.LearningRateMultiplier is { } m && !AcceptsLearningRateMultiplier(m, method))
            throw OpenAIApiException.OutOfRange(Param("learning_rate_multiplier"), "learning_rate_multiplier", Invariant(m), LearningRateMultiplierRange(method),
                below: !(m > MaxLearningRateMultiplier), integer: false);
        if (request.PairRounds is not null && method != TrainingMethod.Contrastive)
            throw OpenAIApiException.BadRequest("pair_rounds applies to contrastive training; set method.type to 'contrastive' to use it", Param("pair_rounds"), "unsupported_parameter");
        if (request.PairRounds is int rounds and < 1)
            throw OutOfRange(method, "pair_rounds", Invariant(rounds), below: true, underMethod);
    }

    private static int MaxBatchSizeOf(TrainingMethod method) => method == TrainingMethod.Contrastive ? ContrastiveOptions.MaxBatchSize : MaxBatchSize;

    /// <summary>
    /// The refusal of a whole-number hyperparameter (<c>n_epochs</c>, <c>batch_size</c>, <c>pair_rounds</c>) of a job of
    /// <paramref name="method"/> outside its range, with <paramref name="given"/> as the client wrote it: one wording and
    /// one range for the service's check and the request reader's (a number past int's range).
    /// </summary>
    internal static OpenAIApiException OutOfRange(TrainingMethod method, string name, string given, bool below, bool underMethod = false) =>
        OpenAIApiException.OutOfRange(MethodType.HyperparameterParam(method, name, underMethod), name, given, name switch
        {
            "n_epochs" => $"1 to {MaxEpochs}",
            "batch_size" => $"1 to {MaxBatchSizeOf(method)}",
            "pair_rounds" => $"1 to {int.MaxValue}",
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a whole-number hyperparameter"),
        }, below);

    public FineTuningJobObject Create(FineTuningJobRequest request, CancellationToken cancellationToken = default, IProgress<long>? rowsChecked = null)
    {
        ValidateModel(request.Model);
        if (request.Suffix is not null && !SuffixPattern().IsMatch(request.Suffix))
            throw OpenAIApiException.BadRequest($"suffix: {PrintableText.Quote(request.Suffix)} is not 1 to 64 ASCII letters, digits, '-', '_' or '.'", "suffix", "invalid_value");
        CheckHyperparameters(request);
        if (request.Seed is int seed and < 0) throw OpenAIApiException.OutOfRange("seed", "seed", Invariant(seed), SeedRange, below: true);
        CheckMetadata(request.Metadata);

        if (request.ValidationFile is not null && request.ValidationFile == request.TrainingFile)
            throw OpenAIApiException.BadRequest(
                "validation_file is the training_file, so the model would be judged on texts it trained on; leave validation_file out to hold out 10% of the training examples",
                "validation_file", "invalid_file");
        // The files are looked up before the queue's room is, so a mistyped id is named even when the queue is full (the
        // .NET SDK retries a 429 three times, and would do so for a request that can never succeed), and read after it:
        // a client that retries a full queue costs a query, not a read.
        var training = FineTuneFile(request.TrainingFile, "training_file");
        var validation = request.ValidationFile is null ? null : FineTuneFile(request.ValidationFile, "validation_file");
        CheckQueueRoom();
        files.CheckStoreRoom();
        // Once per creation, for both files: a row the job's tokenizer makes no token of failed the job at its start.
        var tokenizer = JobTokenizer.For(request.Model, models, store);
        long trainingRows = 0;
        var examplesPerLabel = TrainingFileCheck.Check(training, "training_file", options.MinExamples, tokenizer, rowReader, cancellationToken: cancellationToken,
            rowsRead: rowsChecked is null ? null : new Progress.SynchronousProgress<long>(rows => rowsChecked.Report(trainingRows = rows)));
        var labels = examplesPerLabel.Keys.ToHashSet(StringComparer.Ordinal);
        // Counted on from the training file's rows, so the count the caller sees only grows.
        if (validation is not null)
            TrainingFileCheck.Check(validation, "validation_file", options.MinExamples, tokenizer, rowReader, labels, cancellationToken,
                rowsChecked is null ? null : new Progress.SynchronousProgress<long>(rows => rowsChecked.Report(trainingRows + rows)));
        CheckContinuedTraining(request.Model, labels);

        var trainingExamples = JobMethodChoice.TrainingExamplesPerLabel(examplesPerLabel, heldOut: request.ValidationFile is null);
        var method = TrainingMethodChoice.Resolve(request.Method, trainingExamples);
        bool contrastive = method.Method == TrainingMethod.Contrastive;
        var defaults = new FineTuningOptions();
        var contrastiveDefaults = new ContrastiveOptions();
        int epochs = request.NEpochs ?? (contrastive ? contrastiveDefaults.Epochs : defaults.Epochs);
        int batchSize = request.BatchSize ?? (contrastive ? contrastiveDefaults.BatchSize : defaults.BatchSize);
        var job = new JobRecord
        {
            Id = FineTuningStore.NewId("ftjob-"),
            CreatedAt = FineTuningStore.Now(),
            Model = request.Model,
            TrainingFile = training.Id,
            ValidationFile = request.ValidationFile,
            Suffix = request.Suffix,
            Seed = request.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue),
            Method = method.Method,
            NEpochs = epochs,
            BatchSize = batchSize,
            LearningRateMultiplier = request.LearningRateMultiplier ?? 1.0,
            PairRounds = contrastive ? JobMethodChoice.PairRounds(request.PairRounds, epochs, batchSize, trainingExamples.Sum()) : null,
            // An auto job's hyperparameters can only be given again under the method it resolved to (auto takes none).
            HyperparametersUnderMethod = request.HyperparametersUnderMethod || request.Method == TrainingMethod.Auto,
            Metadata = request.Metadata,
            Status = JobStatus.Queued,
        };
        store.WithReferencesHeld(() =>
        {
            // Reading and checking the files took time, in which a delete could have taken one or the starting model.
            foreach (var (id, parameter) in new[] { (training.Id, "training_file"), (request.ValidationFile, "validation_file") })
                if (id is not null && store.GetFile(id) is null)
                    throw OpenAIApiException.BadRequest($"{parameter} {id} was deleted while the job was being created", parameter, "invalid_file");
            if (!models.IsBase(request.Model) && models.Find(request.Model) is null)
                throw OpenAIApiException.BadRequest($"model '{request.Model}' was deleted while the job was being created", "model", "model_not_found");
            CheckQueueRoom();   // again, where no other creation runs: those that passed the first check together may have filled it
            // The last moment a hang-up is heeded: once recorded, the job is queued whether or not anyone hears of it.
            cancellationToken.ThrowIfCancellationRequested();
            store.AddJob(job,
                $"Validated {training.Id} ({training.Filename}): labels {string.Join(", ", labels.Order(StringComparer.Ordinal))}",
                $"Training method: {MethodType.Of(method.Method)} ({method.Reason})",
                $"Created fine-tuning job: {job.Id}");
        });
        queue.Signal();
        return FineTuningJobObject.From(job, _clock.GetUtcNow());
    }

    /// <summary>
    /// The wait a full job queue's 429 suggests: a slot frees when a running job ends, which takes minutes and cannot be
    /// foretold from here, so a fixed minute, short enough not to leave a slot idle long, long enough not to poll.
    /// </summary>
    internal const int QueueFullRetryAfterSeconds = 60;

    /// <summary>
    /// Refuses a job when <see cref="FineTuningServiceOptions.MaxQueuedJobs"/> wait already (queued or paused; running
    /// ones are bounded by the concurrency), with OpenAI's answer to too many active jobs: 429 <c>rate_limit_exceeded</c>.
    /// </summary>
    private void CheckQueueRoom()
    {
        int waiting = store.UnfinishedJobs().Count(job => !JobStatus.Training.Contains(job.Status));
        if (waiting < options.MaxQueuedJobs) return;
        // The limit is the operator's to raise, so it goes to the server's log; the client is told what it can do itself.
        Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger,
            "a new job was refused, the queue being full (jobs queued or paused: {Waiting}, the most --max-queued-jobs {Limit} lets wait); raise it if clients should queue more",
            waiting, options.MaxQueuedJobs);
        throw new OpenAIApiException(Microsoft.AspNetCore.Http.StatusCodes.Status429TooManyRequests,
            $"{waiting} {(waiting == 1 ? "job is" : "jobs are")} queued or paused, the most this service holds; retry after one of them has started " +
            $"(jobs start as running ones finish, so try again in a minute or later), or cancel one of yours",
            code: "rate_limit_exceeded") { RetryAfterSeconds = QueueFullRetryAfterSeconds };
    }

    /// <summary>
    /// Refuses metadata past OpenAI's limits (16 pairs, keys of 1 to 64 characters, values up to 512), a job's and a
    /// chat's alike, with OpenAI's codes.
    /// </summary>
    internal static void CheckMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null) return;
        if (metadata.Count > MaxMetadata)
            throw OpenAIApiException.BadRequest($"metadata has {metadata.Count} pairs; it holds at most {MaxMetadata}", "metadata", "object_above_max_properties");
        // Every list page repeats a job's metadata: a 400,000-character key made each job a megabyte of every page.
        foreach (var (key, value) in metadata)
        {
            // OpenAI refuses an empty key as well: a request accepted here would be refused there.
            if (key.Length == 0)
                throw OpenAIApiException.BadRequest($"metadata has an empty key; keys have 1 to {MaxMetadataKey} characters", "metadata", "invalid_value");
            // Characters as --max-chars and JSON Schema's maxLength count them: 512 emoji are 512, not 1024 UTF-16 units.
            if (Serving.CharacterLimit.Excess(key, MaxMetadataKey) is var keyCharacters and > 0)
                throw OpenAIApiException.BadRequest($"metadata key {PrintableText.Quote(key)} has {keyCharacters} characters; keys have at most {MaxMetadataKey}", "metadata", "string_above_max_length");
            if (Serving.CharacterLimit.Excess(value, MaxMetadataValue) is var valueCharacters and > 0)
                throw OpenAIApiException.BadRequest($"metadata.{PrintableText.Escape(key)} has {valueCharacters} characters; values have at most {MaxMetadataValue}", "metadata", "string_above_max_length");
        }
    }

    public FineTuningJobObject Get(string jobId) => FineTuningJobObject.From(Job(jobId), _clock.GetUtcNow());

    public ListObject<FineTuningJobObject> List(string? after = null, int limit = 20, JobMetadataFilter? metadata = null)
    {
        var page = store.ListJobs(after, CheckLimit(limit), metadata);
        var now = _clock.GetUtcNow();
        return ToList(page, j => FineTuningJobObject.From(j, now), j => j.Id, "fine-tuning job");
    }

    public async Task<FineTuningJobObject> CancelAsync(string jobId)
    {
        var job = Job(jobId);
        var answer = job.MayStillTrain ? await queue.CancelAsync(jobId, StopWait).ConfigureAwait(false) : StopAnswer.NotStoppable;
        // A pause's run ended paused as this cancel reached it (its runner had recorded the pause): it is cancelled as a
        // paused job is, where the cancel answered 200 with the job paused.
        if (answer == StopAnswer.Stopped && Job(jobId).Status == JobStatus.Paused) answer = await queue.CancelAsync(jobId, StopWait).ConfigureAwait(false);
        // One cancel stops the job; another while its training stops is the 400 it is once the job is cancelled.
        if (answer == StopAnswer.AlreadyAsked && Job(jobId).MayStillTrain)
            throw InvalidState(jobId, "it is being cancelled already; its status says when it has stopped");
        if (answer != StopAnswer.Stopped
            || Job(jobId) is { MayStillTrain: false, Status: not JobStatus.Cancelled })   // it finished (exporting after its last step) before the cancel reached its training
            throw InvalidState(jobId, "only queued, running, pausing or paused jobs can be cancelled");
        return Get(jobId);
    }

    public async Task<FineTuningJobObject> PauseAsync(string jobId)
    {
        var job = Job(jobId);
        // Pausing again waits for the checkpoint again: a client whose first request gave up asks once more.
        var answer = job.IsActive || job.Status == JobStatus.Pausing ? await queue.PauseAsync(jobId, StopWait).ConfigureAwait(false) : StopAnswer.NotStoppable;
        if (answer == StopAnswer.Finishing && Job(jobId).MayStillTrain)   // else its end is recorded already: the rule below says why
            throw InvalidState(jobId, Job(jobId).Method == TrainingMethod.Contrastive
                ? "it has fitted its classifier head and is finishing (its export), which ends the job; it cannot be paused now"
                : "it has taken its last optimizer step and is finishing (final evaluation and export), which ends the job; it cannot be paused now");
        // A pause the job took is answered with the job as it then is: paused, still pausing when the wait ends, or
        // cancelled by a cancel that overtook it (answered 400 "has status 'cancelled'" after the pause had been taken),
        // or by one already stopping its training, which the pause waits for without recording "pausing".
        // One that found the job ended, or that it finished before the pause reached its training, is refused.
        if (answer != StopAnswer.Stopped || Job(jobId) is { MayStillTrain: false, Status: not JobStatus.Cancelled })
            throw InvalidState(jobId, "only queued, running or pausing jobs can be paused");
        return Get(jobId);
    }

    public FineTuningJobObject Resume(string jobId)
    {
        Job(jobId);
        if (!queue.Resume(jobId)) throw InvalidState(jobId, "only paused jobs can be resumed");
        return Get(jobId);
    }

    // How long a cancel or pause waits for a running job's training to stop at its next step and be recorded.
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    // Read again: the state may have changed since the request began (a job that finished meanwhile).
    private OpenAIApiException InvalidState(string jobId, string rule) =>
        OpenAIApiException.BadRequest($"job {jobId} has status '{Job(jobId).Status}'; {rule}", "fine_tuning_job_id", "invalid_job_state");

    public ListObject<JobEventObject> ListEvents(string jobId, string? after = null, int limit = 20)
    {
        Job(jobId);
        return ToList(store.ListEvents(jobId, after, CheckLimit(limit)), JobEventObject.From, e => e.Id, $"event of job {jobId}");
    }

    public ListObject<CheckpointObject> ListCheckpoints(string jobId, string? after = null, int limit = 10)
    {
        Job(jobId);
        return ToList(store.ListCheckpoints(jobId, after, CheckLimit(limit)), c => CheckpointObject.From(c, jobId), c => c.Id, $"checkpoint of job {jobId}");
    }

    /// <summary>
    /// A store page as OpenAI lists it; a page after a cursor that names nothing in the list is refused (400
    /// <c>invalid_cursor</c>) rather than answered empty, which a client paging on reads as the list's end.
    /// </summary>
    /// <param name="page">The store's page.</param>
    /// <param name="map">Makes an item's API object.</param>
    /// <param name="id">An item's id, for the page's <c>first_id</c> and <c>last_id</c>.</param>
    /// <param name="names">What the list holds, for the refusal: "fine-tuning job", "event of job ftjob-…".</param>
    internal static ListObject<TOut> ToList<TIn, TOut>(Page<TIn> page, Func<TIn, TOut> map, Func<TIn, string> id, string names) =>
        page.UnknownCursor is { } after
            ? throw OpenAIApiException.BadRequest($"after {PrintableText.Quote(after)} names no {names} in this list; page with the last_id of the page before", "after", OpenAIApiException.InvalidCursor)
            : new([.. page.Items.Select(map)], page.HasMore, page.Items.Count > 0 ? id(page.Items[0]) : null, page.Items.Count > 0 ? id(page.Items[^1]) : null);

    /// <summary>The largest page a list gives (<c>limit</c>).</summary>
    internal const int MaxListLimit = 100;

    internal static int CheckLimit(int limit) =>
        limit is >= 1 and <= MaxListLimit ? limit : throw OpenAIApiException.OutOfRange("limit", "limit", Invariant(limit), $"1 to {MaxListLimit}", below: limit < 1);

    // A number as the client wrote it: JSON's form (1e-5, not .NET's 1E-05), never the server's culture's (1,5); as the command line echoes a flag's.
    private static string Invariant(double value) => NumberText.Of(value);

    private JobRecord Job(string jobId) =>
        store.GetJob(jobId) ?? throw OpenAIApiException.NotFound($"no fine-tuning job with id '{jobId}'", "fine_tuning_job_id", "job_not_found");

    private StoredFile FineTuneFile(string? id, string param)
    {
        // validation_file is optional and looked up only when given: empty, it is no missing field, which a client
        // branching on the code would take it for.
        if (id == "" && param == "validation_file")
            throw OpenAIApiException.BadRequest("validation_file is empty; give a file's id, or leave validation_file out to hold out 10% of the training examples", param, "invalid_value");
        if (string.IsNullOrEmpty(id)) throw OpenAIApiException.BadRequest($"{param} is required", param, OpenAIApiException.MissingRequiredParameter);
        var file = store.GetFile(id) ?? throw OpenAIApiException.BadRequest($"{param} '{id}' does not exist", param, "invalid_file");
        if (file.Purpose != "fine-tune") throw OpenAIApiException.BadRequest($"{param} '{id}' has purpose '{file.Purpose}', not 'fine-tune'", param, "invalid_file");
        return file;
    }

    private void ValidateModel(string model)
    {
        if (string.IsNullOrEmpty(model)) throw OpenAIApiException.BadRequest("model is required", "model", OpenAIApiException.MissingRequiredParameter);
        if (models.IsBase(model) || models.FineTunedJob(model) is not null) return;
        // A model deleted since its job made it is told as such, as every route that serves models tells it.
        // A checkpoint id is told as chat and /v1/models tell it, naming its job's model: it was the generic refusal.
        throw OpenAIApiException.BadRequest(models.WhyNotServed(model) is { } deleted
                ? $"{deleted}; fine-tune {string.Join(", ", models.BaseNames)} or a model this service still has"
                : models.CheckpointRecord(model) ?? $"model '{model}' cannot be fine-tuned here: use {string.Join(", ", models.BaseNames)} or a model this service fine-tuned", "model", "model_not_available");
    }

    /// <summary>
    /// Continued training keeps the model's classifier head, so the data must have exactly its labels. They are read
    /// from the export's metadata (<see cref="ServedModels.Info"/>): loading the model for them took one of the bounded
    /// serving slots, so creating a job could evict a model answering requests, or wait for a slot and answer 503.
    /// </summary>
    private void CheckContinuedTraining(string model, IReadOnlySet<string> labels)
    {
        if (models.IsBase(model)) return;
        var expected = models.Info(model).Labels;
        if (!labels.SetEquals(expected))
            throw OpenAIApiException.BadRequest(
                // Quoted as every message quotes the user's text: a label holding a bidi control (U+202E) was echoed raw,
                // turning the rest of the line around on a terminal or a web page.
                $"training_file has labels {PrintableText.QuoteAll(labels.Order(StringComparer.Ordinal))}; continuing {model} needs exactly its labels {PrintableText.QuoteAll(expected)}",
                "training_file", "invalid_file");
    }
}
