using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuningService;

/// <summary>
/// A request to fine-tune, with the fields of OpenAI's <c>POST /v1/fine_tuning/jobs</c>. A null hyperparameter is
/// <c>"auto"</c>: the default of <c>ortagent train</c>. The hyperparameters apply to <see cref="Method"/>.
/// </summary>
public sealed record FineTuningJobRequest
{
    /// <summary><c>minilm</c>, <c>arctic-xs</c>, a configured base model, or a model this service fine-tuned (continued training).</summary>
    public required string Model { get; init; }

    /// <summary>The id of an uploaded file with purpose <c>fine-tune</c>.</summary>
    public string TrainingFile { get; init; } = "";

    /// <summary>An uploaded validation file; without one a stratified 10% of the training file is held out.</summary>
    public string? ValidationFile { get; init; }

    /// <summary>Up to 64 ASCII letters, digits, '-', '_' or '.', placed in the model id <c>ft:BASE:SUFFIX:JOB</c>.</summary>
    public string? Suffix { get; init; }

    /// <summary>The seed; a random one is drawn (and reported) when null.</summary>
    public int? Seed { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>
    /// <see cref="TrainingMethod.Standard"/> (OpenAI's <c>supervised</c>, the default), <see cref="TrainingMethod.Contrastive"/>,
    /// or <see cref="TrainingMethod.Auto"/>, which picks one of the two from the training file when the job is created and
    /// takes no hyperparameters (they mean different things for the two).
    /// </summary>
    public TrainingMethod Method { get; init; } = TrainingMethod.Standard;

    /// <summary>Passes over the training examples (supervised) or over the sentence pairs (contrastive).</summary>
    public int? NEpochs { get; init; }

    /// <summary>Examples (supervised) or sentence pairs (contrastive) per optimizer step.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Multiplies the method's default learning rate (5e-5 supervised, 2e-5 contrastive).</summary>
    public double? LearningRateMultiplier { get; init; }

    /// <summary>Contrastive only: rounds of one positive and one negative pair per training example.</summary>
    public int? PairRounds { get; init; }

    /// <summary>
    /// Whether the body gave the hyperparameters under <c>method.TYPE.hyperparameters</c> (as the .NET library sends them)
    /// rather than in the older top-level <c>hyperparameters</c>: a refusal names the field where the client put it.
    /// </summary>
    internal bool HyperparametersUnderMethod { get; init; }
}
