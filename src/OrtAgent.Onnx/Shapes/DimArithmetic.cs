namespace OrtAgent.Onnx;

/// <summary>
/// Arithmetic on dimensions as it appears in exported shape computations (<c>Shape → Gather → Add 0 → Concat</c>):
/// exact on known sizes, identity-preserving on symbols (<c>seq + 0</c>, <c>batch * 1</c>), unknown otherwise.
/// </summary>
internal static class DimArithmetic
{
    public static Dim Add(Dim a, Dim b) =>
        a.IsKnown && b.IsKnown ? Dim.Known(a.Value!.Value + b.Value!.Value)
        : b.Value == 0 ? a : a.Value == 0 ? b : Dim.Unknown;

    public static Dim Sub(Dim a, Dim b) =>
        a.IsKnown && b.IsKnown ? Dim.Known(a.Value!.Value - b.Value!.Value)
        : b.Value == 0 ? a : Dim.Unknown;

    public static Dim Mul(Dim a, Dim b) =>
        a.IsKnown && b.IsKnown ? Dim.Known(a.Value!.Value * b.Value!.Value)
        : b.Value == 1 ? a : a.Value == 1 ? b : Dim.Unknown;

    /// <summary>Integer division as ONNX Div does it on int64 (truncating).</summary>
    public static Dim Div(Dim a, Dim b) =>
        a.IsKnown && b.IsKnown && b.Value != 0 ? Dim.Known(a.Value!.Value / b.Value!.Value)
        : b.Value == 1 ? a : Dim.Unknown;

    /// <summary>The product of <paramref name="dims"/>; unknown unless every one is known or all but ones are one symbol.</summary>
    public static Dim Product(IEnumerable<Dim> dims) => dims.Aggregate(Dim.Known(1), Mul);

    /// <summary>Prefers the more informative of two dims that must be equal (known over symbolic over unknown).</summary>
    public static Dim Merge(Dim a, Dim b) => a.IsKnown ? a : b.IsKnown ? b : a.Symbol is not null ? a : b;
}
