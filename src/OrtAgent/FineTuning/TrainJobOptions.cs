using OrtAgent.Runtime;
using System.Globalization;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Parameters;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>Everything <c>ortagent train</c> takes; the command fills it from the command line.</summary>
public sealed record TrainJobOptions
{
    /// <summary>Training data; null trains on the embedded sample reviews.</summary>
    public string? DataPath { get; init; }

    /// <summary>Validation data; null holds out a seeded stratified 10% of the training data.</summary>
    public string? ValidationPath { get; init; }

    public string? TextColumn { get; init; }

    public string? LabelColumn { get; init; }

    /// <summary>
    /// A packaged base model name (<c>minilm</c>, <c>arctic-xs</c>) or a directory; null for the packaged base the
    /// <see cref="InitFrom"/> model was fine-tuned from, else <see cref="DefaultBaseModel"/>.
    /// </summary>
    public string? BaseModel { get; init; }

    /// <summary>The base model of a run that names none and starts from no fine-tuned model.</summary>
    public const string DefaultBaseModel = "minilm";

    public int MaxLength { get; init; } = 128;

    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

    public double WeightDecay { get; init; } = 0.01;

    public IReadOnlyList<string> Freeze { get; init; } = [];

    public string? FreezeLayers { get; init; }

    /// <summary>Dropout ratio before the classifier head, in [0, 1).</summary>
    public float DropoutRatio { get; init; } = 0.1f;

    /// <summary>Dropout ratio inside the encoder during standard fine-tuning (<c>--encoder-dropout</c>), in [0, 1); 0 for none.</summary>
    public float EncoderDropoutRatio { get; init; }

    /// <summary>Per-class weights of the cross-entropy loss (<c>--class-weights</c>).</summary>
    public ClassWeighting ClassWeights { get; init; } = ClassWeighting.None;

    /// <summary>Label smoothing of the cross-entropy loss, in [0, 1).</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>Where and how ONNX Runtime runs the training sessions: device, threads, TF32 on CUDA.</summary>
    public OrtSessionSettings Session { get; init; } = new();

    /// <summary>Where the exported model goes.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("models", "classifier");

    /// <summary>Artifacts directory to resume from (its checkpoint and trainer state).</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>An exported model whose weights start this run (scripted retraining).</summary>
    public string? InitFrom { get; init; }

    /// <summary>A model directory to replace with the new model only if the new validation metric beats its recorded one.</summary>
    public string? PromoteTo { get; init; }

    public FineTuningOptions FineTuning { get; init; } = new();

    /// <summary>Train LoRA adapters and the head instead of the whole model (<c>--lora-rank</c>); null for full fine-tuning.</summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>Standard, contrastive, or auto (contrastive on small data); a resumed run keeps its artifacts' method.</summary>
    public TrainingMethod Method { get; init; } = TrainingMethod.Standard;

    /// <summary>Hyperparameters of contrastive training, used when the method resolves to it.</summary>
    public ContrastiveOptions Contrastive { get; init; } = new();

    /// <summary>
    /// The option properties set explicitly (<c>FineTuningOptions.LearningRate</c>, as <see cref="InvalidOptionException"/>
    /// names them), even at their defaults; null when unknown (a caller building options in code), in which case a value
    /// other than the default counts as set. A resumed run refuses a set value other than the one it recorded.
    /// </summary>
    public IReadOnlySet<string>? Given { get; init; }

    /// <summary>Whether <paramref name="property"/> (<c>Type.Property</c>) was set: given explicitly, or, when that is unknown, not at its default.</summary>
    public bool WasSet(string property, bool differsFromDefault) => Given?.Contains(property) ?? differsFromDefault;

    /// <summary>
    /// Checks every value that can be checked before anything is read or written; the first bad one is an
    /// <see cref="InvalidOptionException"/> naming its property.
    /// </summary>
    public void Validate()
    {
        FineTuning.Validate();
        if (MaxLength is < 8 or > 512) throw Invalid(nameof(MaxLength), MaxLength, "must be between 8 and 512");
        if (DropoutRatio is < 0f or >= 1f || float.IsNaN(DropoutRatio)) throw Invalid(nameof(DropoutRatio), DropoutRatio, "must be at least 0 and below 1");
        if (EncoderDropoutRatio is < 0f or >= 1f || float.IsNaN(EncoderDropoutRatio)) throw Invalid(nameof(EncoderDropoutRatio), EncoderDropoutRatio, "must be at least 0 and below 1");
        if (LabelSmoothing is < 0f or >= 1f || float.IsNaN(LabelSmoothing)) throw Invalid(nameof(LabelSmoothing), LabelSmoothing, "must be at least 0 and below 1");
        if (!Enum.IsDefined(Pooling)) throw Invalid(nameof(Pooling), Pooling, "expected mean, cls or pooler");
        ClassWeights.Validate(InvalidOptionException.Name<TrainJobOptions>(nameof(ClassWeights)));
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw Invalid(nameof(WeightDecay), WeightDecay, "must be 0 or positive");
        if (FreezeLayers is not null && LayerRange.Problem(FreezeLayers) is { } layers) throw Invalid(nameof(FreezeLayers), FreezeLayers, layers);
        Lora?.Validate();
        if (Lora is not null && (Freeze.Count > 0 || FreezeLayers is not null))
            throw LoraOptions.FreezeRefusal(InvalidOptionException.Name<TrainJobOptions>(nameof(Freeze)), Freeze,
                InvalidOptionException.Name<TrainJobOptions>(nameof(FreezeLayers)), FreezeLayers, "--lora-rank");
        if (Lora is not null && Method == TrainingMethod.Contrastive)
            throw new UserInputException("--lora-rank applies to standard fine-tuning, not to --method contrastive");
        // A resumed run continues from its own checkpoint; the weights to start from were applied when it began.
        if (InitFrom is not null && ResumeFrom is not null)
            throw Invalid(nameof(InitFrom), InitFrom, "starts a new run; a resumed run continues from its own checkpoint (leave one of --init-from and --resume out)");
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<TrainJobOptions>(property), value, problem);
}
