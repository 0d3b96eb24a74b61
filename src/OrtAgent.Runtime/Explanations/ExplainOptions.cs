namespace OrtAgent.Runtime.Explanations;

/// <summary>Options for <see cref="TextClassifier.Explain(string, ExplainOptions?, CancellationToken)"/>.</summary>
public sealed class ExplainOptions
{
    /// <summary>The most path points one explanation may use.</summary>
    public const int MaxSteps = 1024;

    /// <summary>
    /// Points on the path from the baseline to the input (Gauss–Legendre nodes on [0, 1], Captum's default rule).
    /// More steps shrink the completeness gap and cost proportionally more time. Default 32.
    /// </summary>
    public int Steps { get; init; } = DefaultSteps;

    /// <summary>The default of <see cref="Steps"/>, which <c>/explain</c> and the MCP tool take too.</summary>
    public const int DefaultSteps = 32;

    /// <summary>What the path starts from; default <see cref="ExplainBaseline.Pad"/>.</summary>
    public ExplainBaseline Baseline { get; init; } = ExplainBaseline.Pad;

    /// <summary>The label whose logit is explained; null explains the predicted label.</summary>
    public string? Label { get; init; }

    /// <summary>Path points sent to ONNX Runtime in one run (memory grows with it times the sequence length). Default 64.</summary>
    public int MaxPointsPerRun { get; init; } = 64;

    /// <summary>
    /// Told how far an explanation is, for a caller that shows progress: the number of the <see cref="Steps"/> path points
    /// run so far, 0 once the path's two ends have run (they give the prediction, and so the label explained), then the
    /// count after each run of up to <see cref="MaxPointsPerRun"/> points, ending with <see cref="Steps"/>. Reported on
    /// the explaining thread, between runs; the explanation is the same with or without it. Null (the default) tells
    /// nobody. <see cref="TextClassifier.ExplainBatch"/> reports each text's points from 0 again.
    /// </summary>
    public IProgress<int>? Progress { get; init; }

    /// <summary>Checks every value; the first bad one is an <see cref="InvalidOptionException"/> naming its property.</summary>
    /// <exception cref="InvalidOptionException"><see cref="Steps"/>, <see cref="MaxPointsPerRun"/> or <see cref="Baseline"/> is out of
    /// range, or <see cref="Label"/> is empty (whether it is one of the model's labels, <see cref="TextClassifier.Explain"/> checks).</exception>
    public void Validate()
    {
        if (Label is "") throw Invalid(nameof(Label), Label, "is empty; leave it null to explain the predicted label");
        if (Steps is < 1 or > MaxSteps) throw Invalid(nameof(Steps), Steps, $"must be a number of path points between 1 and {MaxSteps}");
        if (MaxPointsPerRun < 1) throw Invalid(nameof(MaxPointsPerRun), MaxPointsPerRun, "must be at least 1");
        if (!Enum.IsDefined(Baseline)) throw Invalid(nameof(Baseline), Baseline, "is not a known baseline");
    }

    /// <summary>The refusal of a <see cref="Label"/> that is not one of <paramref name="labels"/>, the model's.</summary>
    internal static InvalidOptionException UnknownLabel(string label, IReadOnlyList<string> labels) =>
        Invalid(nameof(Label), label, $"is not one of the model's labels: {string.Join(", ", labels)}");

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<ExplainOptions>(property), value, problem);
}
