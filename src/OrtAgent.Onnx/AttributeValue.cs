namespace OrtAgent.Onnx;

/// <summary>The kinds of node attribute the graph layer models; anything else is carried through untouched.</summary>
public enum AttributeKind
{
    /// <summary>One 32-bit float (ONNX FLOAT).</summary>
    Float,

    /// <summary>One 64-bit integer (ONNX INT); also how ONNX spells booleans and enum-like attributes.</summary>
    Int,

    /// <summary>One string (ONNX STRING).</summary>
    String,

    /// <summary>One <see cref="TensorData"/> (ONNX TENSOR), such as Constant's <c>value</c>.</summary>
    Tensor,

    /// <summary>A list of 32-bit floats (ONNX FLOATS).</summary>
    Floats,

    /// <summary>A list of 64-bit integers (ONNX INTS), such as <c>perm</c> or <c>axes</c>.</summary>
    Ints,

    /// <summary>A list of strings (ONNX STRINGS).</summary>
    Strings,

    /// <summary>Any other kind (graphs, sparse tensors, type protos): the protobuf message, written back unchanged.</summary>
    Opaque,
}

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

    /// <summary>Which kind the value holds; decides which <c>As…</c> accessor succeeds and the runtime type of <see cref="Value"/>.</summary>
    public AttributeKind Kind { get; }

    /// <summary>The boxed value: float, long, string, <see cref="TensorData"/>, float[], long[], string[], or an opaque protobuf message.</summary>
    public object Value { get; }

    /// <summary>Returns the float.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="AttributeKind.Float"/>.</exception>
    public float AsFloat() => Kind == AttributeKind.Float ? (float)Value : throw Mismatch(AttributeKind.Float);

    /// <summary>Returns the integer.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="AttributeKind.Int"/>.</exception>
    public long AsInt() => Kind == AttributeKind.Int ? (long)Value : throw Mismatch(AttributeKind.Int);

    /// <summary>Returns the string.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="AttributeKind.String"/>.</exception>
    public string AsString() => Kind == AttributeKind.String ? (string)Value : throw Mismatch(AttributeKind.String);

    /// <summary>Returns the tensor (shared, not copied).</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="AttributeKind.Tensor"/>.</exception>
    public TensorData AsTensor() => Kind == AttributeKind.Tensor ? (TensorData)Value : throw Mismatch(AttributeKind.Tensor);

    /// <summary>Returns the integers (the stored array, not a copy).</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="AttributeKind.Ints"/>.</exception>
    public IReadOnlyList<long> AsInts() => Kind == AttributeKind.Ints ? (long[])Value : throw Mismatch(AttributeKind.Ints);

    /// <summary>Returns the floats (the stored array, not a copy).</summary>
    /// <exception cref="InvalidOperationException"><see cref="Kind"/> is not <see cref="AttributeKind.Floats"/>.</exception>
    public IReadOnlyList<float> AsFloats() => Kind == AttributeKind.Floats ? (float[])Value : throw Mismatch(AttributeKind.Floats);

    /// <summary>Wraps an attribute this layer does not model; <paramref name="message"/> must be the model reader's ONNX <c>AttributeProto</c>, which the writer copies back under the attribute's name.</summary>
    public static AttributeValue Opaque(object message) => new(AttributeKind.Opaque, message);

    /// <summary>A list-of-strings attribute; the array is kept, not copied.</summary>
    public static AttributeValue Strings(string[] values) => new(AttributeKind.Strings, values);

    /// <summary>An attribute of kind <see cref="AttributeKind.Float"/>.</summary>
    public static implicit operator AttributeValue(float value) => new(AttributeKind.Float, value);

    /// <summary>An attribute of kind <see cref="AttributeKind.Int"/>.</summary>
    public static implicit operator AttributeValue(long value) => new(AttributeKind.Int, value);

    /// <summary>An attribute of kind <see cref="AttributeKind.String"/>.</summary>
    public static implicit operator AttributeValue(string value) => new(AttributeKind.String, value);

    /// <summary>An attribute of kind <see cref="AttributeKind.Tensor"/>. The tensor is shared, not copied.</summary>
    public static implicit operator AttributeValue(TensorData value) => new(AttributeKind.Tensor, value);

    /// <summary>An attribute of kind <see cref="AttributeKind.Ints"/>. The array is kept, not copied: do not change it afterwards.</summary>
    public static implicit operator AttributeValue(long[] value) => new(AttributeKind.Ints, value);

    /// <summary>An attribute of kind <see cref="AttributeKind.Floats"/>. The array is kept, not copied: do not change it afterwards.</summary>
    public static implicit operator AttributeValue(float[] value) => new(AttributeKind.Floats, value);

    /// <summary>The value for diagnostics; lists as <c>[1,2,3]</c>.</summary>
    public override string ToString() => Value switch
    {
        long[] ints => $"[{string.Join(",", ints)}]",
        float[] floats => $"[{string.Join(",", floats)}]",
        _ => Value.ToString() ?? "",
    };

    private InvalidOperationException Mismatch(AttributeKind wanted) =>
        new($"Attribute holds {Kind}, not {wanted}.");
}
