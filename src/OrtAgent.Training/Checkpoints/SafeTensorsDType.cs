using OrtAgent.Onnx;

namespace OrtAgent.Training.Checkpoints;

/// <summary>The dtype strings of the safetensors format (<c>F32</c>, <c>I64</c>, …) and their ONNX element types.</summary>
internal static class SafeTensorsDType
{
    private static readonly (string Name, ElementType Type)[] Table =
    [
        ("F64", ElementType.Double), ("F32", ElementType.Float), ("F16", ElementType.Float16), ("BF16", ElementType.BFloat16),
        ("I64", ElementType.Int64), ("I32", ElementType.Int32), ("I16", ElementType.Int16), ("I8", ElementType.Int8),
        ("U64", ElementType.UInt64), ("U32", ElementType.UInt32), ("U16", ElementType.UInt16), ("U8", ElementType.UInt8),
        ("BOOL", ElementType.Bool),
    ];

    public static string NameOf(ElementType type)
    {
        foreach (var (name, t) in Table)
            if (t == type) return name;
        throw new NotSupportedException($"safetensors has no dtype for {type}.");
    }

    public static ElementType Parse(string name, string path)
    {
        foreach (var (n, t) in Table)
            if (n == name) return t;
        throw new InvalidDataException($"'{path}' uses safetensors dtype '{name}', which OrtAgent does not read");
    }
}
