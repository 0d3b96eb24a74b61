namespace OrtAgent.FineTuningService;

/// <summary>
/// A request to fine-tune, with the fields of OpenAI's <c>POST /v1/fine_tuning/jobs</c>. A null hyperparameter is
/// <c>"auto"</c>: the default of <c>ortagent train</c>.
/// </summary>
public sealed record FineTuningJobRequest
{
    /// <summary><c>minilm</c>, <c>arctic-xs</c>, a configured base model, or a model this service fine-tuned (continued training).</summary>
    public required string Model { get; init; }

    /// <summary>The id of an uploaded file with purpose <c>fine-tune</c>.</summary>
    public string TrainingFile { get; init; } = "";

    /// <summary>An uploaded validation file; without one a stratified 10% of the training file is held out.</summary>
    public string? ValidationFile { get; init; }

    /// <summary>Up to 64 letters, digits, '-', '_' or '.', placed in the model id <c>ft:BASE:SUFFIX:JOB</c>.</summary>
    public string? Suffix { get; init; }

    /// <summary>The seed; a random one is drawn (and reported) when null.</summary>
    public int? Seed { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public int? NEpochs { get; init; }

    public int? BatchSize { get; init; }

    /// <summary>Multiplies the default learning rate (5e-5).</summary>
    public double? LearningRateMultiplier { get; init; }
}
