using OrtAgent.Runtime;

namespace OrtAgent.Mcp;

/// <summary>
/// How much one tool call may ask for. <c>serve</c> passes its <c>/predict</c> limits, so a client cannot send through
/// <c>/mcp</c> what <c>/predict</c> would refuse; <c>ortagent mcp</c> starts from the same defaults.
/// </summary>
public sealed class ToolLimits
{
    /// <summary>Most texts one call may classify.</summary>
    public int MaxInputs { get; init; } = 64;

    /// <summary>Longest text accepted, in characters.</summary>
    public int MaxChars { get; init; } = 20_000;

    /// <summary>Most path points (<c>steps</c>) one <c>explain_text</c> call may ask for: <c>/explain</c>'s <see cref="Serving.ServingOptions.MaxExplainSteps"/>.</summary>
    public int MaxExplainSteps { get; init; } = new Serving.ServingOptions().MaxExplainSteps;

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first limit out of its range.</summary>
    public void Validate()
    {
        if (MaxInputs < 1) throw Invalid(nameof(MaxInputs), MaxInputs);
        if (MaxChars < 1) throw Invalid(nameof(MaxChars), MaxChars);
        if (MaxExplainSteps is < 1 or > Runtime.Explanations.ExplainOptions.MaxSteps)
            throw Invalid(nameof(MaxExplainSteps), MaxExplainSteps, $"must be between 1 and {Runtime.Explanations.ExplainOptions.MaxSteps}");
    }

    private static InvalidOptionException Invalid(string property, int value, string rule = "must be at least 1") =>
        new(InvalidOptionException.Name<ToolLimits>(property), value, rule);
}
