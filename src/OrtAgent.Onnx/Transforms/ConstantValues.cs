namespace OrtAgent.Onnx.Transforms;

/// <summary>Reads values that are constant at graph-build time: initializers and outputs of Constant nodes.</summary>
internal static class ConstantValues
{
    /// <summary>The constant data behind <paramref name="value"/>, or null when it is computed at run time.</summary>
    public static TensorData? TryGet(Value? value) =>
        value?.Initializer
        ?? (value?.Producer is { OpType: "Constant", Domain: "" } c && c.Attributes.TryGetValue("value", out var a) && a.Kind == AttributeKind.Tensor
            ? a.AsTensor()
            : null);

    /// <summary>The single element of a one-element constant, or null.</summary>
    public static double? TryGetScalar(Value? value) =>
        TryGet(value) is { ElementCount: 1 } t && t.Type != ElementType.String ? t.ToDoubles()[0] : null;

    /// <summary>
    /// Whether <paramref name="value"/> is a one-element constant equal to <paramref name="expected"/> within a relative
    /// <paramref name="tolerance"/> (absolute below magnitude 1); false for run-time values.
    /// </summary>
    public static bool IsScalar(Value? value, double expected, double tolerance = 1e-6) =>
        TryGetScalar(value) is double v && Math.Abs(v - expected) <= tolerance * Math.Max(1, Math.Abs(expected));
}
