using System.Text.Json.Serialization;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's <c>fine_tuning.job</c> object, field for field.</summary>
public sealed record FineTuningJobObject
{
    public required string Id { get; init; }
    public string Object => "fine_tuning.job";
    public required long CreatedAt { get; init; }
    public long? FinishedAt { get; init; }
    public required string Model { get; init; }
    public string? FineTunedModel { get; init; }
    public string OrganizationId => "org-local";
    public IReadOnlyList<string> ResultFiles { get; init; } = [];
    /// <summary><c>validating_files</c>, <c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }
    public required string TrainingFile { get; init; }
    public string? ValidationFile { get; init; }
    /// <summary>OpenAI's older place of the hyperparameters; a contrastive job's are those of its <see cref="Method"/> but <c>pair_rounds</c>.</summary>
    public required HyperparametersObject Hyperparameters { get; init; }
    public long? TrainedTokens { get; init; }
    public ErrorObject? Error { get; init; }
    /// <summary>Always an integer: the .NET SDK cannot read a null seed.</summary>
    public required int Seed { get; init; }
    /// <summary>
    /// Null, or at least <see cref="EstimatedFinishLeadSeconds"/> ahead of the server's clock when the object was made,
    /// which is just before it is written: the .NET SDK waits until this time and fails on a past one.
    /// </summary>
    public long? EstimatedFinish { get; init; }

    /// <summary>
    /// The least time ahead a running job's <see cref="EstimatedFinish"/> is sent; a nearer or past estimate is sent as now
    /// plus this. The .NET SDK waits <c>estimated_finish − its UtcNow</c> and throws on a negative wait: the answer takes
    /// time to reach the client, and the client's clock may run a little ahead, so an estimate 1 s ahead was already past
    /// when the SDK read it. 5 s covers those, and the client polls again soon (null would make it wait 30 s). Now is
    /// rounded up to the whole second (<see cref="EarliestEstimatedFinish"/>).
    /// </summary>
    public const long EstimatedFinishLeadSeconds = 5;

    /// <summary>
    /// Whether a running job has reached or passed its own estimated finish: <see cref="EstimatedFinish"/> is then now
    /// plus the lead, as it is for a job merely a few seconds from its end, and the MCP tools read this to tell the two apart.
    /// </summary>
    internal bool PastItsEstimate { get; init; }

    /// <summary>
    /// Whether the job's <see cref="FineTunedModel"/> has been deleted (<c>DELETE /v1/models/{id}</c>). OpenAI keeps the
    /// id on the job after the delete, so the API sends it as it was; the MCP tools read this to say the model is gone.
    /// </summary>
    internal bool FineTunedModelDeleted { get; init; }

    /// <summary>
    /// The earliest estimated finish sent at <paramref name="now"/>: <see cref="EstimatedFinishLeadSeconds"/> after now
    /// rounded up to the whole second. Counted from the whole second before (as it was), it was as little as 4 s after
    /// the moment the answer left: a client polling every 0.2 s read 38 of 82 estimates under 5 s ahead.
    /// </summary>
    internal static long EarliestEstimatedFinish(DateTimeOffset now) => UnixSecondsRoundedUp(now) + EstimatedFinishLeadSeconds;

    /// <summary><paramref name="time"/> in Unix seconds, rounded up: never before it.</summary>
    internal static long UnixSecondsRoundedUp(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks / TimeSpan.TicksPerSecond + (ticks % TimeSpan.TicksPerSecond > 0 ? 1 : 0);
    }
    public string? UserProvidedSuffix { get; init; }
    public required MethodObject Method { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public IReadOnlyList<object> Integrations => [];

    /// <summary>The job's hyperparameters, resolved to numbers.</summary>
    public sealed record HyperparametersObject(int NEpochs, int BatchSize, double LearningRateMultiplier);

    public sealed record ErrorObject(string Code, string Message, string? Param);

    /// <summary>
    /// OpenAI's <c>method</c>: its <c>type</c>, and the hyperparameters under the field of that name (<c>supervised</c>, or
    /// this service's <c>contrastive</c>); the other field is left out, as OpenAI leaves out those of methods not used.
    /// </summary>
    public sealed record MethodObject(string Type)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public SupervisedObject? Supervised { get; init; }

        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public ContrastiveObject? Contrastive { get; init; }
    }

    public sealed record SupervisedObject(HyperparametersObject Hyperparameters);

    public sealed record ContrastiveObject(ContrastiveHyperparametersObject Hyperparameters);

    /// <summary>A contrastive job's hyperparameters: n_epochs are passes over the sentence pairs, batch_size pairs per step.</summary>
    public sealed record ContrastiveHyperparametersObject(int NEpochs, int BatchSize, double LearningRateMultiplier, int PairRounds);

    /// <summary>The job as the API sends it at <paramref name="now"/>, which should be read just before it is written.</summary>
    internal static FineTuningJobObject From(JobRecord job, DateTimeOffset now)
    {
        var hyperparameters = new HyperparametersObject(job.NEpochs, job.BatchSize, job.LearningRateMultiplier);
        return new FineTuningJobObject
        {
            Id = job.Id,
            CreatedAt = job.CreatedAt,
            FinishedAt = job.FinishedAt,
            Model = job.Model,
            FineTunedModel = job.FineTunedModel,
            FineTunedModelDeleted = job.ModelDeleted,
            ResultFiles = job.ResultFiles,
            Status = job.Status,
            TrainingFile = job.TrainingFile,
            ValidationFile = job.ValidationFile,
            Hyperparameters = hyperparameters,
            TrainedTokens = job.TrainedTokens,
            Error = job.Error is { } e ? new ErrorObject(e.Code, e.Message, e.Param) : null,
            Seed = job.Seed,
            EstimatedFinish = job.Status == JobStatus.Running && job.EstimatedFinish is long estimate ? Math.Max(estimate, EarliestEstimatedFinish(now)) : null,
            PastItsEstimate = job.Status == JobStatus.Running && job.EstimatedFinish is long own && own <= now.ToUnixTimeSeconds(),
            UserProvidedSuffix = job.Suffix,
            Method = job.Method == TrainingMethod.Contrastive
                ? new MethodObject(MethodType.Contrastive)
                {
                    Contrastive = new ContrastiveObject(new ContrastiveHyperparametersObject(job.NEpochs, job.BatchSize, job.LearningRateMultiplier,
                        job.PairRounds ?? throw new InvalidOperationException($"contrastive job {job.Id} has no pair rounds"))),
                }
                : new MethodObject(MethodType.Supervised) { Supervised = new SupervisedObject(hyperparameters) },
            Metadata = job.Metadata,
        };
    }
}
