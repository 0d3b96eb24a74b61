using Google.Protobuf;
using Onnx;

namespace OrtAgent.Onnx;

/// <summary>
/// Reads the <c>metadata_props</c> of a model file and nothing else. A <c>.onnx</c> file is one <c>ModelProto</c>, a
/// sequence of fields, each a tag and then a varint, a fixed-size value or a length and that many bytes; the metadata
/// entries are parsed, and every other field (the graph with its weights above all) is stepped over by seeking past its
/// length, so asking what a model says about itself costs a few small reads however large the model is.
/// </summary>
internal static class ModelMetadataReader
{
    // Protobuf wire types; ONNX uses no groups (3, 4).
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not a model file: a field runs past its end, has no known wire type, or there is no graph.</exception>
    public static Dictionary<string, string> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool hasGraph = false;
        long end = stream.Length;
        while (stream.Position < end)
        {
            ulong tag = ReadVarint(stream, path);
            ulong field = tag >> 3;
            if (field == 0) throw NotAModel(path, "a field numbered 0");
            switch ((int)(tag & 7))
            {
                case Varint:
                    ReadVarint(stream, path);
                    break;
                case Fixed64:
                    Skip(stream, 8, end, path);
                    break;
                case Fixed32:
                    Skip(stream, 4, end, path);
                    break;
                case LengthDelimited:
                    ulong length = ReadVarint(stream, path);
                    if (length > (ulong)(end - stream.Position)) throw NotAModel(path, "a field runs past the end of the file");
                    if (field == ModelProto.MetadataPropsFieldNumber)
                    {
                        if (length > (ulong)Array.MaxLength) throw NotAModel(path, "a metadata entry larger than an array");
                        var entry = ReadEntry(stream, (int)length, path);
                        metadata[entry.Key] = entry.Value;
                    }
                    else
                    {
                        hasGraph |= field == ModelProto.GraphFieldNumber;
                        stream.Seek((long)length, SeekOrigin.Current);
                    }
                    break;
                default:
                    throw NotAModel(path, $"a field of wire type {tag & 7}");
            }
        }
        if (!hasGraph) throw NotAModel(path, "it has no graph");
        return metadata;
    }

    private static StringStringEntryProto ReadEntry(Stream stream, int length, string path)
    {
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        try
        {
            return StringStringEntryProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw NotAModel(path, ex.Message, ex);
        }
    }

    private static void Skip(Stream stream, int bytes, long end, string path)
    {
        if (end - stream.Position < bytes) throw NotAModel(path, "a field runs past the end of the file");
        stream.Seek(bytes, SeekOrigin.Current);
    }

    /// <summary>A base-128 varint of at most 10 bytes, low group first.</summary>
    private static ulong ReadVarint(Stream stream, string path)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            int b = stream.ReadByte();
            if (b < 0) throw NotAModel(path, "it ends inside a field");
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw NotAModel(path, "a varint longer than 10 bytes");
    }

    private static InvalidDataException NotAModel(string path, string reason, Exception? inner = null) =>
        new($"'{path}' is not an ONNX model: {reason}", inner);
}
