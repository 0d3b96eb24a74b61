namespace OrtAgent.Onnx;

/// <summary>The kinds of node attribute the graph layer models; anything else is carried through untouched.</summary>
public enum AttributeKind { Float, Int, String, Tensor, Floats, Ints, Strings, Opaque }

/// <summary>
/// A node attribute value. Implicit conversions let builders write <c>["perm"] = new long[] { 0, 2, 1, 3 }</c>.
/// </summary>
public sealed class AttributeValue
{
    private AttributeValue(AttributeKind kind, object value)
    {
        Kind = kind;
        Value = value;
    }

    public AttributeKind Kind { get; }

    /// <summary>The boxed value: float, long, string, <see cref="TensorData"/>, float[], long[], string[], or an opaque protobuf message.</summary>
    public object Value { get; }

    public float AsFloat() => Kind == AttributeKind.Float ? (float)Value : throw Mismatch(AttributeKind.Float);

    public long AsInt() => Kind == AttributeKind.Int ? (long)Value : throw Mismatch(AttributeKind.Int);

    public string AsString() => Kind == AttributeKind.String ? (string)Value : throw Mismatch(AttributeKind.String);

    public TensorData AsTensor() => Kind == AttributeKind.Tensor ? (TensorData)Value : throw Mismatch(AttributeKind.Tensor);

    public IReadOnlyList<long> AsInts() => Kind == AttributeKind.Ints ? (long[])Value : throw Mismatch(AttributeKind.Ints);

    public IReadOnlyList<float> AsFloats() => Kind == AttributeKind.Floats ? (float[])Value : throw Mismatch(AttributeKind.Floats);

    public static AttributeValue Opaque(object message) => new(AttributeKind.Opaque, message);

    public static AttributeValue Strings(string[] values) => new(AttributeKind.Strings, values);

    public static implicit operator AttributeValue(float value) => new(AttributeKind.Float, value);

    public static implicit operator AttributeValue(long value) => new(AttributeKind.Int, value);

    public static implicit operator AttributeValue(string value) => new(AttributeKind.String, value);

    public static implicit operator AttributeValue(TensorData value) => new(AttributeKind.Tensor, value);

    public static implicit operator AttributeValue(long[] value) => new(AttributeKind.Ints, value);

    public static implicit operator AttributeValue(float[] value) => new(AttributeKind.Floats, value);

    public override string ToString() => Value switch
    {
        long[] ints => $"[{string.Join(",", ints)}]",
        float[] floats => $"[{string.Join(",", floats)}]",
        _ => Value.ToString() ?? "",
    };

    private InvalidOperationException Mismatch(AttributeKind wanted) =>
        new($"Attribute holds {Kind}, not {wanted}.");
}
