namespace OrtAgent.Runtime;

/// <summary>
/// Says what is wrong with a <c>model.onnx</c> that ONNX Runtime could not load, where the file itself shows it: a link
/// to nothing, an empty file, or one cut short (a partial copy or download, the usual way a model reaches a device
/// damaged), which ONNX Runtime only calls "Protobuf parsing failed". Read only after ONNX Runtime failed, so a sound
/// model costs nothing.
/// </summary>
internal static class ModelFileDamage
{
    // Every ONNX writer begins a ModelProto with ir_version: field 1, wire type varint.
    private const int IrVersionTag = 0x08;
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <summary>The one line that names the damage, or null when the file shows none that can be named (ONNX Runtime's words are then the best there are).</summary>
    public static string? Describe(string modelPath)
    {
        try
        {
            var file = new FileInfo(modelPath);
            if (file.LinkTarget is { } target && file.ResolveLinkTarget(returnFinalTarget: true) is { Exists: false })
                return $"{modelPath}: is a link to {target}, which does not exist";
            using var stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            if (stream.Length == 0) return $"{modelPath}: is empty (0 bytes); is it a partial copy?";
            if (stream.ReadByte() != IrVersionTag) return null;
            stream.Position = 0;
            return EndsInsideAField(stream) is { } needed
                ? $"{modelPath}: is cut short: it has {stream.Length} bytes, and its contents run to byte {needed}; is it a partial copy?"
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The length the file's top-level fields need when it is shorter; null when they end where it does, or it is no protobuf.</summary>
    private static long? EndsInsideAField(Stream stream)
    {
        try
        {
            while (stream.Position < stream.Length)
            {
                ulong tag = ProtobufFields.ReadVarint(stream);
                long length;
                switch ((int)(tag & 7))
                {
                    case Varint:
                        ProtobufFields.ReadVarint(stream);
                        continue;
                    case Fixed64:
                        length = 8;
                        break;
                    case Fixed32:
                        length = 4;
                        break;
                    case LengthDelimited:
                        length = checked((long)ProtobufFields.ReadVarint(stream));
                        break;
                    default:
                        return null;
                }
                if (length > stream.Length - stream.Position) return checked(stream.Position + length);
                stream.Position += length;
            }
            return null;
        }
        catch (InvalidDataException)
        {
            // A varint the file ends inside of: cut short, needing at least one byte more.
            return stream.Position >= stream.Length ? stream.Length + 1 : null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
