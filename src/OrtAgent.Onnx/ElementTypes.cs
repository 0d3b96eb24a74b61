namespace OrtAgent.Onnx;

/// <summary>Facts about <see cref="ElementType"/> values: byte sizes and the CLR type that stores each.</summary>
public static class ElementTypes
{
    /// <summary>Bytes per element; throws for strings and undefined.</summary>
    public static int SizeOf(ElementType type) => type switch
    {
        ElementType.Float or ElementType.Int32 or ElementType.UInt32 => 4,
        ElementType.Double or ElementType.Int64 or ElementType.UInt64 => 8,
        ElementType.Float16 or ElementType.BFloat16 or ElementType.Int16 or ElementType.UInt16 => 2,
        ElementType.Int8 or ElementType.UInt8 or ElementType.Bool => 1,
        _ => throw new NotSupportedException($"Element type {type} has no fixed size."),
    };

    /// <summary>The element type that stores values of <typeparamref name="T"/>.</summary>
    public static ElementType Of<T>() where T : unmanaged
    {
        var t = typeof(T);
        if (t == typeof(float)) return ElementType.Float;
        if (t == typeof(double)) return ElementType.Double;
        if (t == typeof(long)) return ElementType.Int64;
        if (t == typeof(int)) return ElementType.Int32;
        if (t == typeof(bool)) return ElementType.Bool;
        if (t == typeof(Half)) return ElementType.Float16;
        if (t == typeof(sbyte)) return ElementType.Int8;
        if (t == typeof(byte)) return ElementType.UInt8;
        if (t == typeof(short)) return ElementType.Int16;
        if (t == typeof(ushort)) return ElementType.UInt16;
        if (t == typeof(uint)) return ElementType.UInt32;
        if (t == typeof(ulong)) return ElementType.UInt64;
        throw new NotSupportedException($"No ONNX element type stores {t.Name}.");
    }

    /// <summary>Whether gradients can flow through values of this type.</summary>
    public static bool IsFloatingPoint(ElementType type) =>
        type is ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16;
}
