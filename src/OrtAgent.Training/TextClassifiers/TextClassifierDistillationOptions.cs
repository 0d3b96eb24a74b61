using OrtAgent.Runtime;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// What <see cref="TextClassifierTrainer.Distill"/> distils and where it writes: what <c>ortagent distill</c> takes, for
/// a .NET program. <see cref="Validate"/> checks the values that need no files, and <see cref="TextClassifierTrainer.Distill"/> calls it first.
/// </summary>
public sealed record TextClassifierDistillationOptions
{
    /// <summary>
    /// The teacher: an exported OrtAgent single-label classifier directory (fp32, fine-tuned by standard fine-tuning),
    /// such as a <see cref="TextClassifierTrainingResult.OutputDirectory"/>. The student shares its vocabulary and labels.
    /// </summary>
    public required string Teacher { get; init; }

    /// <summary>
    /// Where the run keeps the student's encoder, training graphs and checkpoints; a new or empty directory, or one
    /// holding an earlier distillation's artifacts (see <see cref="ExistingRun"/>). The run claims it while it trains.
    /// </summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>Where the student is exported, replaced as a whole: a new or empty directory, or an earlier OrtAgent export; not the teacher.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The encoder layers the student keeps (<see cref="LayerSelection"/>), the temperature and α.</summary>
    public DistillationOptions Distillation { get; init; } = new();

    /// <summary>
    /// The training loop's settings, as for standard fine-tuning; their <see cref="FineTuningOptions.Seed"/> also seeds
    /// the student's graphs and picks the held-out validation examples. A <see cref="FineTuningOptions.LearningRate"/>
    /// left null trains at <see cref="FineTuningOptions.DefaultLearningRate"/> (a resumed run at the rate it began with).
    /// </summary>
    public FineTuningOptions FineTuning { get; init; } = new();

    /// <summary>
    /// The longest token sequence trained on, [CLS] and [SEP] included: 8 to 512, and no longer than the teacher's
    /// position table, which the student keeps; null (the default) keeps the teacher's.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>Dropout before the classifier head, in [0, 1).</summary>
    public float DropoutRatio { get; init; } = 0.1f;

    /// <summary>AdamW decoupled weight decay (not on biases and LayerNorm weights), 0 or above.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>
    /// The share of each label's examples held out for validation when no validation data is given: greater than 0 and
    /// less than 1. Defaults to 0.1, as <c>ortagent distill</c>. A resumed run keeps the fraction it began with.
    /// </summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>
    /// What to do with a distillation found in <see cref="ArtifactsDirectory"/>: resume it (the default), provided it
    /// distils the same teacher into as many layers, with the settings and examples it began with; or replace it.
    /// </summary>
    public ExistingRun ExistingRun { get; init; } = ExistingRun.Resume;

    /// <summary>The ONNX Runtime sessions' settings: device, threads.</summary>
    public OrtSessionSettings Session { get; init; } = new();

    /// <summary>Checks every value that needs no file; the first bad one is an <see cref="InvalidOptionException"/> naming its property.</summary>
    /// <exception cref="InvalidOptionException">A value is missing or out of range.</exception>
    public void Validate()
    {
        foreach (var (name, path) in new[] { (nameof(Teacher), Teacher), (nameof(ArtifactsDirectory), ArtifactsDirectory), (nameof(OutputDirectory), OutputDirectory) })
            if (string.IsNullOrWhiteSpace(path)) throw Invalid(name, path, "is required");
        if (Distillation is null) throw Invalid(nameof(Distillation), null, "is required");
        if (FineTuning is null) throw Invalid(nameof(FineTuning), null, "is required");
        if (Session is null) throw Invalid(nameof(Session), null, "is required");
        if (!Enum.IsDefined(ExistingRun)) throw Invalid(nameof(ExistingRun), (int)ExistingRun, "must be Resume or Replace");
        if (MaxLength is < 8 or > 512) throw Invalid(nameof(MaxLength), MaxLength, "must be between 8 and 512");
        if (DropoutRatio is < 0f or >= 1f || float.IsNaN(DropoutRatio)) throw Invalid(nameof(DropoutRatio), DropoutRatio, "must be at least 0 and below 1");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw Invalid(nameof(WeightDecay), WeightDecay, "must be 0 or positive");
        if (!(ValidationFraction > 0 && ValidationFraction < 1)) throw Invalid(nameof(ValidationFraction), ValidationFraction, "must be greater than 0 and less than 1");
        Distillation.Validate();
        FineTuning.Validate();
    }

    private static InvalidOptionException Invalid(string property, object? value, string reason) =>
        new(InvalidOptionException.Name<TextClassifierDistillationOptions>(property), value, reason);
}
