namespace OrtAgent.Serving.Tls;

/// <summary>
/// An option's value that a message must not show, as it may be a secret given in place of its file's path: shown by its
/// length only, unquoted, so it is not read as a file's name.
/// </summary>
internal sealed record UnshownValue(int Length)
{
    public override string ToString() => $"(a value of {Length} characters, not shown)";
}
