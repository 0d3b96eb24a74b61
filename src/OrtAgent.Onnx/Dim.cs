namespace OrtAgent.Onnx;

/// <summary>One dimension of a tensor shape: a known size, a named symbol (such as <c>batch</c>), or unknown.</summary>
public readonly record struct Dim(long? Value, string? Symbol)
{
    public static Dim Known(long value) => new(value, null);

    public static Dim Symbolic(string symbol) => new(null, symbol);

    public static readonly Dim Unknown = new(null, null);

    public bool IsKnown => Value.HasValue;

    public static implicit operator Dim(long value) => Known(value);

    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}
