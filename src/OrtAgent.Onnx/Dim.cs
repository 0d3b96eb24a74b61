namespace OrtAgent.Onnx;

/// <summary>One dimension of a tensor shape: a known size, a named symbol (such as <c>batch</c>), or unknown.</summary>
/// <param name="Value">The size in elements when known (0 or more); null for a symbolic or unknown dimension.</param>
/// <param name="Symbol">The name of a symbolic dimension (ONNX <c>dim_param</c>); null for a known or unknown one.</param>
public readonly record struct Dim(long? Value, string? Symbol)
{
    /// <summary>A dimension of exactly <paramref name="value"/> elements (0 or more).</summary>
    public static Dim Known(long value) => new(value, null);

    /// <summary>A named dimension (ONNX <c>dim_param</c>): unknown until run time, but equal wherever the same name appears.</summary>
    public static Dim Symbolic(string symbol) => new(null, symbol);

    /// <summary>A dimension with neither size nor name; nothing is known about it.</summary>
    public static readonly Dim Unknown = new(null, null);

    /// <summary>Whether the size is known (<see cref="Value"/> is set); false for symbolic and unknown dimensions.</summary>
    public bool IsKnown => Value.HasValue;

    /// <summary>A known dimension, so shapes can be written as <c>[batch, 128]</c>.</summary>
    public static implicit operator Dim(long value) => Known(value);

    /// <summary>The size, else the symbol, else <c>?</c>.</summary>
    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}
