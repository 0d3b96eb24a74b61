using System.Runtime.InteropServices;

namespace OrtAgent.Onnx;

/// <summary>
/// A dense tensor held in host memory as little-endian raw bytes, the form ONNX's <c>raw_data</c> uses.
/// Instances are treated as immutable once built: builders share them between graphs without copying.
/// </summary>
public sealed class TensorData
{
    private readonly byte[] _bytes;

    private TensorData(ElementType type, long[] dims, byte[] bytes)
    {
        long count = ElementCountOf(dims);
        if (bytes.LongLength != count * ElementTypes.SizeOf(type))
            throw new ArgumentException($"{bytes.LongLength} bytes do not hold {count} elements of {type}.");
        Type = type;
        Dims = dims;
        _bytes = bytes;
    }

    /// <summary>The element type of the bytes; never <see cref="ElementType.Undefined"/> or <see cref="ElementType.String"/>.</summary>
    public ElementType Type { get; }

    /// <summary>The dimensions; empty for a scalar.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>The product of <see cref="Dims"/>: 1 for a scalar, 0 when any dimension is 0.</summary>
    public long ElementCount => ElementCountOf(Dims);

    /// <summary>The number of dimensions; 0 for a scalar.</summary>
    public int Rank => Dims.Count;

    /// <summary>The raw little-endian bytes (not a copy: do not write to them).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    internal byte[] RawBytes => _bytes;

    /// <summary>Wraps raw little-endian bytes without copying; the caller gives up ownership of <paramref name="bytes"/>.</summary>
    public static TensorData FromBytes(ElementType type, IEnumerable<long> dims, byte[] bytes) =>
        new(type, dims.ToArray(), bytes);

    /// <summary>Copies <paramref name="values"/> into a new tensor of the matching element type.</summary>
    public static TensorData Create<T>(IEnumerable<long> dims, ReadOnlySpan<T> values) where T : unmanaged =>
        new(ElementTypes.Of<T>(), dims.ToArray(), MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A rank-0 float tensor holding <paramref name="value"/>.</summary>
    public static TensorData Scalar(float value) => Create<float>([], [value]);

    /// <summary>A rank-0 double tensor holding <paramref name="value"/>.</summary>
    public static TensorData Scalar(double value) => Create<double>([], [value]);

    /// <summary>A rank-0 int64 tensor holding <paramref name="value"/>.</summary>
    public static TensorData Scalar(long value) => Create<long>([], [value]);

    /// <summary>A 1-D int64 tensor copied from <paramref name="values"/> (the form shapes and axes take).</summary>
    public static TensorData Vector(params long[] values) => Create<long>([values.Length], values);

    /// <summary>A 1-D float tensor copied from <paramref name="values"/>.</summary>
    public static TensorData Vector(params float[] values) => Create<float>([values.Length], values);

    /// <summary>A scalar of <paramref name="type"/> holding <paramref name="value"/> (converted).</summary>
    public static TensorData ScalarOf(ElementType type, double value) => type switch
    {
        ElementType.Float => Scalar((float)value),
        ElementType.Double => Scalar(value),
        ElementType.Float16 => Create<Half>([], [(Half)value]),
        ElementType.Int64 => Scalar((long)value),
        ElementType.Int32 => Create<int>([], [(int)value]),
        _ => throw new NotSupportedException($"No scalar constant of {type}."),
    };

    /// <summary>A tensor of the given type and dims, every element zero.</summary>
    public static TensorData Zeros(ElementType type, IEnumerable<long> dims)
    {
        var d = dims.ToArray();
        return new TensorData(type, d, new byte[ElementCountOf(d) * ElementTypes.SizeOf(type)]);
    }

    /// <summary>A view of the elements as <typeparamref name="T"/>, which must match <see cref="Type"/>.</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        if (ElementTypes.Of<T>() != Type)
            throw new InvalidOperationException($"Tensor holds {Type}, not {typeof(T).Name}.");
        return MemoryMarshal.Cast<byte, T>(_bytes);
    }

    /// <summary>A copy of the elements as <typeparamref name="T"/>, in row-major order.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="Type"/> (no conversion is made; see <see cref="ToDoubles"/>).</exception>
    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>The elements converted to double, whatever the numeric type (for constant folding and tests).</summary>
    public double[] ToDoubles()
    {
        var result = new double[ElementCount];
        for (int i = 0; i < result.Length; i++)
            result[i] = Type switch
            {
                ElementType.Float => AsSpan<float>()[i],
                ElementType.Double => AsSpan<double>()[i],
                ElementType.Int64 => AsSpan<long>()[i],
                ElementType.Int32 => AsSpan<int>()[i],
                ElementType.Int16 => AsSpan<short>()[i],
                ElementType.Int8 => AsSpan<sbyte>()[i],
                ElementType.UInt8 => _bytes[i],
                ElementType.UInt16 => AsSpan<ushort>()[i],
                ElementType.UInt32 => AsSpan<uint>()[i],
                ElementType.UInt64 => AsSpan<ulong>()[i],
                ElementType.Bool => _bytes[i] != 0 ? 1 : 0,
                ElementType.Float16 => (double)AsSpan<Half>()[i],
                _ => throw new NotSupportedException($"Cannot read {Type} as numbers."),
            };
        return result;
    }

    /// <summary>The elements converted to long (integer tensors such as shapes and axes).</summary>
    public long[] ToInt64s() => Type switch
    {
        ElementType.Int64 => ToArray<long>(),
        _ => ToDoubles().Select(v => (long)v).ToArray(),
    };

    /// <summary>True when both tensors have the same type, dims and bytes.</summary>
    public bool ContentEquals(TensorData other) =>
        Type == other.Type && Dims.SequenceEqual(other.Dims) && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <summary><c>Type[dims]</c> for diagnostics; the elements are not printed.</summary>
    public override string ToString() => $"{Type}[{string.Join(",", Dims)}]";

    private static long ElementCountOf(IReadOnlyList<long> dims)
    {
        long count = 1;
        foreach (var d in dims) count *= d;
        return count;
    }
}
