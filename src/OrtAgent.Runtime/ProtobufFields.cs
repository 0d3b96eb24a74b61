namespace OrtAgent.Runtime;

/// <summary>
/// Reads the fields of a protobuf message (a <c>.onnx</c> file is one <c>ModelProto</c>) from a stream without a
/// parser: a caller looks at the few fields it wants and every other field, weights above all, is stepped over by
/// seeking past its length, so a model of any size costs a few hundred small reads.
/// </summary>
internal static class ProtobufFields
{
    // Protobuf wire types; ONNX uses no groups (3, 4).
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <summary>
    /// Walks the fields up to <paramref name="end"/>. A length-delimited field is offered to <paramref name="read"/>
    /// with the position where it ends; the walk seeks there afterwards whatever the callback read of it.
    /// </summary>
    public static void ForEach(Stream stream, long end, Action<int, long> read, Action<int, ulong>? onVarint = null)
    {
        while (stream.Position < end)
        {
            ulong tag = ReadVarint(stream);
            int field = checked((int)(tag >> 3));
            switch ((int)(tag & 7))
            {
                case Varint:
                    ulong value = ReadVarint(stream);
                    onVarint?.Invoke(field, value);
                    break;
                case Fixed64:
                    stream.Seek(8, SeekOrigin.Current);
                    break;
                case Fixed32:
                    stream.Seek(4, SeekOrigin.Current);
                    break;
                case LengthDelimited:
                    ulong length = ReadVarint(stream);
                    if (length > (ulong)(end - stream.Position)) throw new InvalidDataException("a field runs past its end");
                    long fieldEnd = stream.Position + (long)length;
                    read(field, fieldEnd);
                    stream.Position = fieldEnd;
                    break;
                default:
                    throw new InvalidDataException($"a field of wire type {tag & 7}");
            }
        }
    }

    /// <summary>A base-128 varint of at most 10 bytes, low group first.</summary>
    public static ulong ReadVarint(Stream stream)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            int b = stream.ReadByte();
            if (b < 0) throw new InvalidDataException("it ends inside a field");
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("a varint longer than 10 bytes");
    }

    /// <summary>The UTF-8 text of the length-delimited field the stream is at, which ends at <paramref name="end"/>.</summary>
    public static string ReadString(Stream stream, long end)
    {
        var bytes = new byte[checked((int)(end - stream.Position))];
        stream.ReadExactly(bytes);
        return System.Text.Encoding.UTF8.GetString(bytes);
    }
}
