using OrtAgent.FineTuningService.Api;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService.Store;

/// <summary>A fine-tuning job as the store records it: the request, resolved hyperparameters, and how far it got.</summary>
internal sealed record JobRecord
{
    public required string Id { get; init; }
    public required long CreatedAt { get; init; }
    /// <summary>The base model name or the fine-tuned model id that training starts from.</summary>
    public required string Model { get; init; }
    public required string TrainingFile { get; init; }
    public string? ValidationFile { get; init; }
    public string? Suffix { get; init; }
    public required int Seed { get; init; }
    /// <summary>Standard (supervised) or contrastive: <c>auto</c> is settled when the job is created, and a resumed job keeps it.</summary>
    public TrainingMethod Method { get; init; } = TrainingMethod.Standard;
    /// <summary>Passes over the examples (supervised) or over the sentence pairs (contrastive).</summary>
    public required int NEpochs { get; init; }
    public required int BatchSize { get; init; }
    public required double LearningRateMultiplier { get; init; }
    /// <summary>A contrastive job's pair rounds, which its runner samples exactly; null for a supervised one.</summary>
    public int? PairRounds { get; init; }
    /// <summary>
    /// Whether the creation body gave the hyperparameters under <c>method.TYPE.hyperparameters</c> (what the .NET SDK
    /// sends) rather than in the older top-level <c>hyperparameters</c>: a failure found later names them where its client wrote them.
    /// </summary>
    public bool HyperparametersUnderMethod { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public required string Status { get; init; }
    public string? FineTunedModel { get; init; }
    public long? FinishedAt { get; init; }
    public long? TrainedTokens { get; init; }
    public JobError? Error { get; init; }
    public IReadOnlyList<string> ResultFiles { get; init; } = [];
    /// <summary>Unix seconds when training is expected to end; only meaningful while running and in the future.</summary>
    public long? EstimatedFinish { get; init; }
    /// <summary>The fine-tuned model was deleted; the job and its history stay.</summary>
    public bool ModelDeleted { get; init; }

    /// <summary>Where hyperparameter <paramref name="name"/> stands in the body this job was created with, for an error's <c>param</c>.</summary>
    public string HyperparameterParam(string name) => MethodType.HyperparameterParam(Method, name, HyperparametersUnderMethod);

    /// <summary>Whether the queue starts or runs the job: queued or running.</summary>
    public bool IsActive => JobStatus.Active.Contains(Status);

    /// <summary>Whether the job may still train, paused ones included (so it holds its files and its starting model).</summary>
    public bool MayStillTrain => JobStatus.Unfinished.Contains(Status);
}
