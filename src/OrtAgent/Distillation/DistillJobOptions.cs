using System.Text;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Distillation;

/// <summary>Everything <c>ortagent distill</c> takes; the command fills it from the command line.</summary>
public sealed record DistillJobOptions
{
    /// <summary>The teacher: an exported OrtAgent model directory.</summary>
    public string Teacher { get; init; } = "";

    /// <summary>Layers kept, temperature and α.</summary>
    public DistillationOptions Distillation { get; init; } = new();

    /// <summary>Training data; null uses the data the teacher's model card records.</summary>
    public string? DataPath { get; init; }

    /// <summary>Validation data; null uses the teacher's recorded validation file, or a seeded stratified 10% of the data.</summary>
    public string? ValidationPath { get; init; }

    public string? TextColumn { get; init; }

    public string? LabelColumn { get; init; }

    /// <summary>Tokens per text; null keeps the teacher's.</summary>
    public int? MaxLength { get; init; }

    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Dropout before the classifier head, in [0, 1).</summary>
    public float DropoutRatio { get; init; } = 0.1f;

    /// <summary>Where and how ONNX Runtime runs the training sessions: device, threads, TF32 on CUDA.</summary>
    public OrtSessionSettings Session { get; init; } = new();

    /// <summary>Where the student is exported; null puts it beside the teacher as <c>NAME-small</c>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Artifacts directory of an interrupted distillation to continue.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>The training loop's hyperparameters, as for <c>train</c>.</summary>
    public FineTuningOptions FineTuning { get; init; } = new();

    /// <summary>The export directory: <see cref="OutputDirectory"/>, or the teacher's directory with <c>-small</c> appended.</summary>
    /// <exception cref="UserInputException">
    /// There is no <see cref="OutputDirectory"/>, and the teacher's folder name with <c>-small</c> is too long for a file
    /// system: said as the default it is, since the user typed no <c>--output</c> to be refused.
    /// </exception>
    public string ResolveOutputDirectory()
    {
        if (OutputDirectory is not null) return OutputDirectory;
        var teacher = Path.TrimEndingDirectorySeparator(Teacher);
        // "." or "sub/.." names a folder by its parent's view of it: "-small" belongs after the folder's own name,
        // not inside it (".-small" would land in the teacher and be refused as nested).
        if (Path.GetFileName(teacher) is "." or "..") teacher = Path.TrimEndingDirectorySeparator(Path.GetFullPath(teacher));
        var output = teacher + "-small";
        int bytes = Encoding.UTF8.GetByteCount(Path.GetFileName(output));
        if (bytes > FileNameLimit.MaxBytes)
            throw new UserInputException($"the default output {output}, the teacher's folder name with '-small' added, would be a name of {bytes} bytes "
                + $"(in UTF-8), and a file system takes at most {FileNameLimit.MaxBytes}; pass --output to say where the student goes");
        return output;
    }

    /// <summary>
    /// The option properties set explicitly (<c>FineTuningOptions.LearningRate</c>, as <see cref="InvalidOptionException"/>
    /// names them), even at their defaults; null when unknown (a caller building options in code), in which case a value
    /// other than the default counts as set. A resumed run refuses a set value other than the one it recorded.
    /// </summary>
    public IReadOnlySet<string>? Given { get; init; }

    /// <summary>Whether <paramref name="property"/> (<c>Type.Property</c>) was set: given explicitly, or, when that is unknown, not at its default.</summary>
    public bool WasSet(string property, bool differsFromDefault) => Given?.Contains(property) ?? differsFromDefault;

    /// <summary>Checks every value that needs no file; the first bad one is an <see cref="InvalidOptionException"/>.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Teacher)) throw Invalid(nameof(Teacher), Teacher, "is required: an exported model directory (models/NAME)");
        Distillation.Validate();
        FineTuning.Validate();
        if (MaxLength is < 8 or > 512) throw Invalid(nameof(MaxLength), MaxLength, "must be between 8 and 512");
        if (DropoutRatio is < 0f or >= 1f || float.IsNaN(DropoutRatio)) throw Invalid(nameof(DropoutRatio), DropoutRatio, "must be at least 0 and below 1");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw Invalid(nameof(WeightDecay), WeightDecay, "must be 0 or positive");
    }

    private static InvalidOptionException Invalid(string property, object? value, string problem) =>
        new(InvalidOptionException.Name<DistillJobOptions>(property), value, problem);
}
