using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Losses;

/// <summary>Which loss to append and how; <see cref="Validate"/> checks it against the label count up front.</summary>
public sealed class LossOptions
{
    /// <summary>The loss appended to the head; cross-entropy by default. <see cref="Validate"/> checks the label count and options against it.</summary>
    public LossKind Kind { get; init; } = LossKind.CrossEntropy;

    /// <summary>
    /// Per-class weights for <see cref="LossKind.CrossEntropy"/>, like PyTorch's <c>weight</c>: the mean becomes
    /// a weighted mean, divided by the sum of the weights of the batch's targets. Null for unweighted.
    /// </summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }

    /// <summary>PyTorch's <c>label_smoothing</c> for <see cref="LossKind.CrossEntropy"/>, in [0, 1).</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>The distillation temperature T &gt; 0 for <see cref="LossKind.Distillation"/>.</summary>
    public float Temperature { get; init; } = 2f;

    /// <summary>The weight α in [0, 1] of the distillation term for <see cref="LossKind.Distillation"/>; 1 − α weighs cross-entropy.</summary>
    public float DistillationWeight { get; init; } = 0.5f;

    /// <summary>
    /// The loss the eval model reports: distillation is judged by cross-entropy on the labels (validation data has no
    /// teacher logits to feed), every other loss by itself.
    /// </summary>
    public LossOptions ForEvaluation() => Kind == LossKind.Distillation ? new LossOptions() : this;

    /// <summary>The short names used on the command line and in <c>properties.json</c>.</summary>
    public static string ShortName(LossKind kind) => kind switch
    {
        LossKind.CrossEntropy => "ce",
        LossKind.BinaryCrossEntropy => "bce",
        LossKind.MeanSquaredError => "mse",
        LossKind.Distillation => "kd",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <exception cref="UserInputException">The short name is not ce, bce, mse or kd.</exception>
    public static LossKind ParseKind(string name) => name.Trim().ToLowerInvariant() switch
    {
        "ce" or "cross-entropy" or "crossentropy" => LossKind.CrossEntropy,
        "bce" or "binary-cross-entropy" => LossKind.BinaryCrossEntropy,
        "mse" or "mean-squared-error" => LossKind.MeanSquaredError,
        "kd" or "distillation" => LossKind.Distillation,
        _ => throw new UserInputException($"unknown loss '{name}': use ce, bce, mse or kd"),
    };

    /// <summary>
    /// Why <paramref name="kind"/> cannot train <paramref name="numLabels"/> outputs, naming <paramref name="lossOption"/>
    /// (the loss as the caller's user sets it) as the remedy; null when it can. <paramref name="sayCount"/>: the message
    /// says how many labels were given, for a caller whose message names no option holding the count.
    /// </summary>
    internal static string? TooFewLabels(LossKind kind, int numLabels, string lossOption, bool sayCount) =>
        kind is LossKind.CrossEntropy or LossKind.Distillation && numLabels < 2
            ? $"{(kind == LossKind.CrossEntropy ? "cross-entropy" : "distillation")} needs at least 2 labels{(sayCount ? $", not {numLabels}" : "")}; "
                + $"for a single regression output set {lossOption} to {ShortName(LossKind.MeanSquaredError)}"
            : null;

    /// <exception cref="InvalidOptionException">A temperature, weight or smoothing is out of range; the exception names its property.</exception>
    /// <exception cref="UserInputException">An option does not fit the loss or the number of labels.</exception>
    public void Validate(int numLabels)
    {
        ClassifierHeadOptions.RequireLabelCount(numLabels);
        // This class's option is the remedy; the count is said here, as no option named in the message holds it.
        if (TooFewLabels(Kind, numLabels, InvalidOptionException.Name<LossOptions>(nameof(Kind)), sayCount: true) is { } tooFew)
            throw new UserInputException(tooFew);
        if (Kind == LossKind.Distillation)
        {
            if (!(Temperature > 0f) || !float.IsFinite(Temperature)) throw Invalid(nameof(Temperature), Temperature, "must be above 0");
            if (DistillationWeight is < 0f or > 1f || float.IsNaN(DistillationWeight)) throw Invalid(nameof(DistillationWeight), DistillationWeight, "must be between 0 and 1");
        }
        if (LabelSmoothing is < 0f or >= 1f || float.IsNaN(LabelSmoothing)) throw Invalid(nameof(LabelSmoothing), LabelSmoothing, "must be at least 0 and below 1");
        if (Kind != LossKind.CrossEntropy && (LabelSmoothing != 0f || ClassWeights is not null))
            throw new UserInputException("class weights and label smoothing apply to the ce loss only");
        if (ClassWeights is { } w)
        {
            if (w.Count != numLabels)
                throw new UserInputException($"{w.Count} class weights were given for {numLabels} labels");
            if (w.Any(x => !float.IsFinite(x) || x < 0f) || w.All(x => x == 0f))
                throw new UserInputException("class weights must be finite, non-negative and not all zero");
        }
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<LossOptions>(property), value, problem);
}
