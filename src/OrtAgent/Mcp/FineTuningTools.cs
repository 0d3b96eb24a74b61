using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Data;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Mcp;

/// <summary>
/// <c>start_fine_tuning</c>, <c>get_fine_tuning_job</c>, <c>list_fine_tuning_jobs</c>, <c>cancel_fine_tuning_job</c> and
/// <c>resume_fine_tuning_job</c>: an agent trains a classifier from examples it has, polls the job and stops or
/// continues it, through the same <see cref="IFineTuningJobs"/> as <c>POST /v1/fine_tuning/jobs</c>, so the
/// validation, the queue and the refusals are the API's. Offered only where the fine-tuning service runs.
/// </summary>
[McpServerToolType]
internal sealed class FineTuningTools(IFineTuningJobs jobs, FineTuningToolOptions options)
{
    // The tool whose description the stdio server rewrites when it may read local paths.
    internal const string StartToolName = "start_fine_tuning";

    private const int MaxEvents = 20;

    // The service's own bound on a list page.
    private const int MaxJobsListed = FineTuningJobs.MaxListLimit;

    private const string StartDescription = "Starts training a new text classifier on labelled examples, on this machine, and returns at once with the job. "
        + "Training takes minutes: call get_fine_tuning_job with the returned job_id until its status is succeeded, failed or cancelled (or paused, when someone paused it through the fine-tuning API: stop polling then, resume_fine_tuning_job continues it; pausing is on its way to paused: poll again); cancel_fine_tuning_job stops a job for good; "
        + "when it succeeds, its fine_tuned_model is the name to pass as 'model' to classify_text and explain_text. "
        + "Give the examples either inline as 'training_data' or as 'training_file'. Formats: JSON Lines in OpenAI's chat fine-tuning format "
        + "(one {\"messages\": [{\"role\": \"user\", \"content\": TEXT}, {\"role\": \"assistant\", \"content\": LABEL}]} per line), "
        + "JSON Lines with \"text\" and \"label\" fields, or CSV/TSV with a header row and text and label columns. "
        + "At least 10 examples and two different labels; a few dozen per label is better. Files with problems are refused with the line at fault. "
        + "With few examples per label, 'method' auto (the default) trains contrastively, which does better there than standard fine-tuning.";

    private const string MethodDescription = "How to train. 'supervised': standard fine-tuning of the whole model on the examples, best from about 64 examples per label. "
        + "'contrastive': SetFit-style, the model first learns from pairs of examples (same label or not), then a small classifier is fitted on it; better with a few dozen examples per label or fewer. "
        + "'auto' (default): contrastive when the label with the fewest examples has fewer than 64 to train on (when labels are very unequal, the smallest under half the median, the median label decides), else supervised; it takes no n_epochs, batch_size or learning_rate_multiplier, since they mean different things for the two.";

    // Where the job trains, which is where this server runs: a service of its own (serve's /mcp) or this process (stdio).
    private const string TrainsInTheService = " The job trains in the fine-tuning service, apart from this connection: it goes on when you disconnect.";
    private const string TrainsInThisProcess = " The job trains inside this MCP server (ortagent mcp), so only while this server runs, that is while your MCP client keeps it open: "
        + "when the server stops, the job stops at a checkpoint and continues from there the next time 'ortagent mcp --fine-tuning' or 'ortagent serve --fine-tuning' starts on the same store "
        + "(cancel_fine_tuning_job, not closing the client, is how a job is stopped for good). "
        + "For a job that must go on without this session, run 'ortagent serve --fine-tuning' and use its /mcp tools or API.";

    // What a file argument may be: over HTTP only a stored file's id, since a remote caller must not make the server read its files.
    private const string TrainingFileById = "The id of a file of training examples uploaded to this service through its files API (file-...). "
        + "This server does not read paths: to pass examples you have, give them inline as 'training_data'. Give this or 'training_data'. "
        + "A call travels in one request, whose size this server limits: a larger set of examples is uploaded to /v1/files first (purpose fine-tune) and its id given here.";
    private const string TrainingFileByPath = "Where the training examples are: the absolute path of a .jsonl, .csv or .tsv file on this machine (this server runs on your machine, as you; a relative path is read from the server's working directory, which is not necessarily yours), "
        + "or the id of a file uploaded to the service (file-...). Give this or 'training_data'. "
        + "A call is one line of at most 64 MiB on this server's input: a larger set of examples is given here as a path.";
    private const string ValidationFileById = "Optional validation examples: the id of a file uploaded to this service through its files API (file-...); there is no inline form. "
        + "Leave it out to hold out 10% of the training examples instead.";
    private const string ValidationFileByPath = "Optional validation examples, as a path or file id like training_file; leave it out to hold out 10% of the training examples instead.";

    private readonly FineTuningJobReporter _reporter = new(jobs);

    // Each [Range] is the schema's minimum and maximum, which ToolCallGuard refuses by. learning_rate_multiplier has
    // none: the SDK writes no exclusive minimum, so its schema could give only the maximum, and a guard refusing 200 by
    // that said "give at most 100" while the service, refusing 0 (its least depends on the method), gave both ends.
    // The service refuses it at either end in one wording, the one its description gives.
    [McpServerTool(Name = StartToolName, Title = "Start fine-tuning a classifier", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description(StartDescription + TrainsInTheService)]
    public FineTuningJobReport StartFineTuning(
        [Description("The training examples themselves, as JSON Lines or CSV with a header (see the formats above). Give this or 'training_file'.")] string? training_data = null,
        [Description(TrainingFileById)] string? training_file = null,
        [Description(ValidationFileById)] string? validation_file = null,
        [Description("What to fine-tune: 'minilm' (default, fast), 'arctic-xs', or a fine-tuned model of this service to train further on data with the same labels.")] string model = "minilm",
        [Description("A short name placed in the fine-tuned model's name (ASCII letters, digits, '-', '_', '.'), e.g. 'tickets'.")] string? suffix = null,
        [Description(MethodDescription)] string method = MethodType.Auto,
        [Description("Supervised: passes over the training examples (default 3); contrastive: passes over the sentence pairs (default 1). 1 to 50. Only with method 'supervised' or 'contrastive'.")][Range(1, FineTuningJobs.MaxEpochs)] int? n_epochs = null,
        [Description("Supervised: examples per training step, 1 to 512; contrastive: sentence pairs per step, 1 to 4096. Default 16. Only with method 'supervised' or 'contrastive'.")][Range(1, Training.Contrastive.ContrastiveOptions.MaxBatchSize)] int? batch_size = null,
        [Description("Multiplier of the method's default learning rate: the job trains at 5e-5 × this (supervised) or 2e-5 × this (contrastive). A number from 2.4e-34 (supervised) or 5.9e-34 (contrastive) to 100; a smaller one is refused, as its rate would be too small for the optimizer's 32-bit floats. Leave out for 1. Only with method 'supervised' or 'contrastive'.")]double? learning_rate_multiplier = null,
        [Description("Seed for a reproducible run, 0 to 2147483647. Leave out for a random one (reported back).")][Range(0, int.MaxValue)] int? seed = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if ((training_data is null) == (training_file is null))
            throw new McpException("give the examples as exactly one of 'training_data' (the examples themselves) or 'training_file' (" + (options.AllowLocalPaths ? "a file id or path)" : "a file id)"));
        if (training_data is not null && string.IsNullOrWhiteSpace(training_data)) throw new McpException("'training_data' is empty; pass the examples, one per line");
        // Each path is copied into the store under its own id, which the service's same-file check cannot see through.
        if (validation_file is not null && training_file is not null && SameSource(validation_file.Trim(), training_file.Trim()))
            throw new McpException("'validation_file' is the 'training_file', so the model would be judged on texts it trained on; leave validation_file out to hold out 10% of the examples");
        var trainingMethod = MethodType.TryParse(method.Trim().ToLowerInvariant())
            ?? throw new McpException($"'method' is '{method}'; it must be 'auto', 'supervised' or 'contrastive'");
        var added = new List<AddedFile>();
        return Answer(() =>
        {
            var request = new FineTuningJobRequest
            {
                Model = model,
                TrainingFile = training_data is not null ? AddInline(training_data, added, cancellationToken) : FileId(training_file!, "training_file", added, cancellationToken),
                ValidationFile = validation_file is null ? null : FileId(validation_file, "validation_file", added, cancellationToken),
                Suffix = suffix,
                Method = trainingMethod,
                NEpochs = n_epochs,
                BatchSize = batch_size,
                LearningRateMultiplier = learning_rate_multiplier,
                Seed = seed,
            };
            // The one long step before the job is queued is reading every example to check it; its total is not known
            // before the read, so the rows read are reported without one.
            return _reporter.Report(jobs.Create(request, cancellationToken, progress is null ? null : RowsCheckedProgress(progress)), 5);
        }, added);
    }

    [McpServerTool(Name = "get_fine_tuning_job", Title = "Get a fine-tuning job", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Reports a fine-tuning job started with start_fine_tuning: its status, the trained model's name once it has succeeded, "
        + "the newest training metrics (loss, validation accuracy) and events, or why it failed; while it runs, its progress and estimated finish, and its next field says about when to poll again.")]
    public FineTuningJobReport GetFineTuningJob(
        [Description("The job's id, as start_fine_tuning returned it (ftjob-...).")] string job_id,
        [Description("How many of the newest events to include, 0 to 20. Default 5.")][Range(0, MaxEvents)] int events = 5)
    {
        // The server's guard refuses it by the schema first; this is for a call that reaches the method otherwise.
        if (events is < 0 or > MaxEvents) throw ArgumentRange.Integers(0, MaxEvents).Refusal("events", events.ToString(CultureInfo.InvariantCulture));
        return Answer(() => _reporter.Report(jobs.Get(job_id.Trim()), events));
    }

    [McpServerTool(Name = "cancel_fine_tuning_job", Title = "Cancel a fine-tuning job", ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Cancels a fine-tuning job for good, as the fine-tuning API's cancel does: one that is queued, running, pausing or paused. "
        + "A running job stops at its next optimizer step (this call waits for that) and leaves no model; a job cannot be resumed once cancelled. "
        + "Use it for a job started by mistake: otherwise a job trains on, and one stopped with this server resumes when the server starts again. "
        + "A job that has ended (succeeded, failed or cancelled) cannot be cancelled: that is an error naming its status.")]
    public async Task<FineTuningJobReport> CancelFineTuningJob(
        [Description("The job's id, as start_fine_tuning or list_fine_tuning_jobs gave it (ftjob-...).")] string job_id)
    {
        var job = await AnswerAsync(() => jobs.CancelAsync(job_id.Trim())).ConfigureAwait(false);
        return _reporter.Report(job, 5);
    }

    [McpServerTool(Name = "resume_fine_tuning_job", Title = "Resume a paused fine-tuning job", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Queues a paused fine-tuning job again, as the fine-tuning API's resume does: it continues from the checkpoint it was paused at. "
        + "Only a paused job can be resumed (one is paused through the fine-tuning API); poll it with get_fine_tuning_job as before.")]
    public FineTuningJobReport ResumeFineTuningJob(
        [Description("The job's id, as start_fine_tuning or list_fine_tuning_jobs gave it (ftjob-...).")] string job_id) =>
        Answer(() => _reporter.Report(jobs.Resume(job_id.Trim()), 5));

    [McpServerTool(Name = "list_fine_tuning_jobs", Title = "List fine-tuning jobs", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the service's fine-tuning jobs, newest first, as the fine-tuning API lists them: each job's id, status, base model, fine-tuned model and a one-line state. "
        + "Use it to find a job whose id you no longer have, or to see what is queued or running before starting another.")]
    public FineTuningJobList ListFineTuningJobs(
        [Description("How many jobs to list, 1 to 100. Default 20.")][Range(1, MaxJobsListed)] int limit = 20,
        [Description("Optional: a job_id from an earlier list; the jobs older than it are listed.")] string? after = null)
    {
        if (limit is < 1 or > MaxJobsListed) throw ArgumentRange.Integers(1, MaxJobsListed).Refusal("limit", limit.ToString(CultureInfo.InvariantCulture));
        string? cursor = string.IsNullOrWhiteSpace(after) ? null : after.Trim();
        return Answer(() =>
        {
            ListObject<FineTuningJobObject> page;
            try
            {
                page = jobs.List(cursor, limit);
            }
            catch (OpenAIApiException refusal) when (refusal.Code == OpenAIApiException.InvalidCursor)
            {
                // The API's words name its list's last_id, which this tool's result has not got: say it by the result's fields.
                throw new McpException($"after {PrintableText.Quote(cursor!)} names no fine-tuning job in this list; to list older jobs, pass as 'after' "
                    + "the job_id of the last entry of 'jobs' in the list you were given (when its has_more is true), or leave 'after' out to list from the newest");
            }
            return new FineTuningJobList(_reporter.Summaries(page.Data), page.HasMore);
        });
    }

    /// <summary>
    /// Makes <c>start_fine_tuning</c>'s descriptions true of the transport: its attributes describe a server that takes
    /// file ids only and trains in a service of its own (<c>serve</c>'s <c>/mcp</c>); <c>ortagent mcp</c> also reads
    /// paths, and trains only while it runs.
    /// </summary>
    internal static void DescribeFor(Tool tool, FineTuningToolOptions options)
    {
        if (tool.Name != StartToolName) return;
        var schema = JsonNode.Parse(tool.InputSchema.GetRawText())!;
        if (options.AllowLocalPaths)
        {
            tool.Description = StartDescription + TrainsInThisProcess;
            schema["properties"]!["training_file"]!["description"] = TrainingFileByPath;
            schema["properties"]!["validation_file"]!["description"] = ValidationFileByPath;
        }
        else if (options.MaxRequestBytes is { } bytes)
        {
            // The server's own limit, which --max-body-bytes or the text limits set: "1 MiB by default" was neither.
            schema["properties"]!["training_file"]!["description"] = TrainingFileById.Replace("whose size this server limits",
                string.Create(CultureInfo.InvariantCulture, $"of at most {bytes} bytes ({bytes / (1024.0 * 1024.0):0.#} MiB) on this server"), StringComparison.Ordinal);
        }
        tool.InputSchema = JsonSerializer.SerializeToElement(schema);
    }

    /// <summary>The service's count of example rows read, as MCP progress with no total.</summary>
    private static IProgress<long> RowsCheckedProgress(IProgress<ProgressNotificationValue> progress) =>
        new Progress.SynchronousProgress<long>(rows => progress.Report(new ProgressNotificationValue
        {
            Progress = rows,
            Message = $"checking the examples before the job is queued: {rows} {(rows == 1 ? "row" : "rows")} read",
        }));

    /// <summary>Stores inline examples as an uploaded file; its name tells the reader the format.</summary>
    private string AddInline(string data, List<AddedFile> added, CancellationToken cancellationToken)
    {
        string firstLine = data.TrimStart().Split('\n', 2)[0];
        string extension = firstLine.StartsWith('{') ? ".jsonl" : firstLine.Contains('\t') && !firstLine.Contains(',') ? ".tsv" : ".csv";
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(data));
        var file = jobs.AddFile(content, "training_data" + extension, cancellationToken);
        added.Add(new AddedFile(file, "training_file", "training_data", "training_data"));
        return file.Id;
    }

    // The same id, or two paths to one file (./train.jsonl beside train.jsonl, a link).
    private static bool SameSource(string a, string b) =>
        a == b || (File.Exists(a) && File.Exists(b) && UnixFileStatus.SameFile(a, b));

    /// <summary>A stored file's id as given, or a local path copied into the store when this transport allows paths.</summary>
    private string FileId(string reference, string argument, List<AddedFile> added, CancellationToken cancellationToken)
    {
        reference = reference.Trim();
        if (reference.StartsWith("file-", StringComparison.Ordinal) && !reference.Contains('/') && !reference.Contains('\\')) return reference;
        if (!options.AllowLocalPaths)
            throw new McpException($"'{argument}' must be the id of a file uploaded to this service (file-...): this server does not read paths on its machine for remote callers; "
                + (argument == "training_file"
                    ? "pass the examples inline as 'training_data' instead"
                    : "upload the validation examples through the service's files API (POST /v1/files, purpose fine-tune) and pass that id, or leave validation_file out to hold out 10% of the training examples"));
        // A relative path is read from the server's working directory, which the agent does not see: every message names
        // the full path looked at ("reviews.csv: file not found" left it to guess where).
        string path = Path.GetFullPath(reference);
        try
        {
            // At once, before the service opens it: a named pipe's open waits for a writer, and the call went unanswered.
            DataFile.RequireRegularFile(path);
        }
        catch (UserInputException ex)
        {
            throw new McpException($"'{argument}': {ex.Message}" + (Path.IsPathRooted(reference) ? ""
                : $" ('{reference}' is relative, so it was read from this server's working directory, {Runtime.WorkingDirectory.CurrentOrNull() ?? "which no longer exists"}; give an absolute path)"));
        }
        // With the call's token: a client that cancels while a large file (or a pipe) is copied in stops the copy.
        var file = jobs.AddFile(path, cancellationToken);
        added.Add(new AddedFile(file, argument, argument, $"{argument} {reference}"));
        return file.Id;
    }

    /// <summary>
    /// A file this call put into the store for the request field <paramref name="Field"/>, from the tool's
    /// <paramref name="Argument"/>; messages name it <paramref name="AsGiven"/>, since the agent never saw its id.
    /// </summary>
    private sealed record AddedFile(FileObject File, string Field, string Argument, string AsGiven)
    {
        public string AsServiceNamesIt => TrainingFileCheck.NameOf(Field, File.Id, File.Filename);

        /// <summary>
        /// <paramref name="message"/> with this file named as the agent gave it. Inline examples are a request field
        /// (training_file) the agent never used: the service's bare name for it ("training_file has too few examples…")
        /// is its argument too, so that no message names both.
        /// </summary>
        public string InTheAgentsTerms(string message)
        {
            message = message.Replace(AsServiceNamesIt, AsGiven, StringComparison.Ordinal);
            return Field == Argument ? message : Regex.Replace(message, $@"(?<![\w.]){Regex.Escape(Field)}(?![\w.])", Argument, RegexOptions.CultureInvariant);
        }
    }

    // The service names its request fields; some of the tools' arguments are spelled otherwise.
    private static string ArgumentOf(string param, IReadOnlyList<AddedFile> added) => param switch
    {
        "fine_tuning_job_id" => "job_id",
        "method.type" or "method" => "method",
        _ when added.FirstOrDefault(f => f.Field == param) is { } file => file.Argument,
        _ => FineTuningJobReporter.InToolTerms(param),
    };

    /// <summary>
    /// The service's refusals (a bad file line, an unknown model, a value out of range) become tool errors in the tool's
    /// terms: the argument's name, and files as the agent gave them. Files the call stored for a job that was not created
    /// are deleted, whatever stopped it: a refusal, or a fault of the server's own (an unreadable base model package).
    /// </summary>
    private T Answer<T>(Func<T> work, IReadOnlyList<AddedFile>? added = null)
    {
        bool created = false;
        try
        {
            var report = work();
            created = true;
            return report;
        }
        catch (OpenAIApiException refusal)
        {
            throw ToolError(refusal, added ?? []);
        }
        finally
        {
            if (!created) DeleteAdded(added ?? []);
        }
    }

    /// <summary>As <see cref="Answer{T}"/>, for a call that waits on the service (a cancel waits for the job's step to end).</summary>
    private static async Task<T> AnswerAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (OpenAIApiException refusal)
        {
            throw ToolError(refusal, []);
        }
    }

    private void DeleteAdded(IReadOnlyList<AddedFile> added)
    {
        foreach (var file in added)
        {
            try
            {
                jobs.DeleteFile(file.File.Id);
            }
            catch (OpenAIApiException)
            {
                // Already gone, or taken by a job after all: nothing of this call's is left to remove.
            }
        }
    }

    /// <summary>The service's refusal in the tool's terms: the argument's name, and files as the agent gave them.</summary>
    private static McpException ToolError(OpenAIApiException refusal, IReadOnlyList<AddedFile> added)
    {
        string message = added.Aggregate(refusal.Message, (m, file) => file.InTheAgentsTerms(m));
        string? argument = refusal.Param is null ? null : ArgumentOf(refusal.Param, added);
        // The service's messages begin in lower case, or with a name or a quoted value, so one reads on after the argument's name.
        return new McpException(argument is null || message.Contains(argument, StringComparison.Ordinal) ? message : $"{argument}: {message}");
    }
}
