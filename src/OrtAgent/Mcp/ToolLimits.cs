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

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first limit below 1.</summary>
    public void Validate()
    {
        if (MaxInputs < 1) throw Invalid(nameof(MaxInputs), MaxInputs);
        if (MaxChars < 1) throw Invalid(nameof(MaxChars), MaxChars);
    }

    private static InvalidOptionException Invalid(string property, int value) =>
        new(InvalidOptionException.Name<ToolLimits>(property), value, "must be at least 1");
}
