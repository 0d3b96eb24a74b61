using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace OrtAgent.Onnx;

/// <summary>Converts between ONNX <see cref="TensorProto"/> messages (raw, typed-field or external data) and <see cref="TensorData"/>.</summary>
internal static class TensorProtoConverter
{
    public static TensorData FromProto(TensorProto proto, string? baseDirectory)
    {
        var type = (ElementType)proto.DataType;
        if (type is ElementType.String or ElementType.Undefined)
            throw new NotSupportedException($"Tensor '{proto.Name}' has element type {type}, which OrtAgent does not load.");
        var dims = proto.Dims.ToArray();
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            return TensorData.FromBytes(type, dims, ReadExternal(proto, baseDirectory));
        if (!proto.RawData.IsEmpty)
            return TensorData.FromBytes(type, dims, proto.RawData.ToByteArray());
        return FromTypedFields(proto, type, dims);
    }

    public static TensorProto ToProto(string name, TensorData data)
    {
        var proto = new TensorProto { Name = name, DataType = (int)data.Type };
        proto.Dims.AddRange(data.Dims);
        proto.RawData = UnsafeByteOperations.UnsafeWrap(data.RawBytes);
        return proto;
    }

    /// <summary>Points <paramref name="proto"/> at bytes written to an external file instead of carrying them inline.</summary>
    public static void MarkExternal(TensorProto proto, string location, long offset, long length)
    {
        proto.RawData = ByteString.Empty;
        proto.DataLocation = TensorProto.Types.DataLocation.External;
        proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
    }

    private static byte[] ReadExternal(TensorProto proto, string? baseDirectory)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in proto.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = long.Parse(entry.Value); break;
                case "length": length = long.Parse(entry.Value); break;
            }
        }
        if (location is null)
            throw new InvalidDataException($"tensor '{proto.Name}' is marked external but names no location");
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new InvalidDataException($"tensor '{proto.Name}' points outside the model directory: '{location}'");
        var path = Path.Combine(baseDirectory ?? ".", location);
        if (!File.Exists(path))
            throw new FileNotFoundException($"External data file '{path}' for tensor '{proto.Name}' is missing.", path);
        var expected = proto.Dims.Aggregate(1L, (a, d) => a * d) * ElementTypes.SizeOf((ElementType)proto.DataType);
        if (length < 0) length = expected;
        if (length != expected)
            throw new InvalidDataException($"tensor '{proto.Name}' expects {expected} bytes of external data, the model says {length}");
        var bytes = new byte[length];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static TensorData FromTypedFields(TensorProto proto, ElementType type, long[] dims)
    {
        switch (type)
        {
            case ElementType.Float:
                return TensorData.Create<float>(dims, proto.FloatData.ToArray());
            case ElementType.Double:
                return TensorData.Create<double>(dims, proto.DoubleData.ToArray());
            case ElementType.Int64:
                return TensorData.Create<long>(dims, proto.Int64Data.ToArray());
            case ElementType.UInt64:
                return TensorData.Create<ulong>(dims, proto.Uint64Data.ToArray());
            case ElementType.UInt32:
                return TensorData.Create<uint>(dims, proto.Uint64Data.Select(v => (uint)v).ToArray());
            case ElementType.Int32:
                return TensorData.Create<int>(dims, proto.Int32Data.ToArray());
        }
        // The remaining small types travel in int32_data, one element per entry (fp16/bf16 as their bit patterns).
        int size = ElementTypes.SizeOf(type);
        var bytes = new byte[proto.Int32Data.Count * size];
        for (int i = 0; i < proto.Int32Data.Count; i++)
        {
            int v = proto.Int32Data[i];
            if (size == 1) bytes[i] = (byte)v;
            else MemoryMarshal.Write(bytes.AsSpan(i * 2), (ushort)v);
        }
        return TensorData.FromBytes(type, dims, bytes);
    }
}
