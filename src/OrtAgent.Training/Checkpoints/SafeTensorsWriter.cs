using System.Buffers.Binary;
using System.Text.Json;
using OrtAgent.Onnx;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Writes the safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length, a UTF-8 JSON header <c>{name: {dtype, shape, data_offsets}, "__metadata__": {…}}</c> padded with
/// spaces to a multiple of 8 bytes, then the tensors' raw little-endian bytes back to back with no gaps.
/// That is what PyTorch's <c>safetensors.torch.load_file</c> reads.
/// </summary>
public static class SafeTensorsWriter
{
    /// <summary>The reserved header key for free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> in the given order to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">A name is empty, repeated, or the reserved metadata key.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, TensorData>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = BuildHeader(list, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (_, data) in list) stream.Write(data.Bytes);
        });
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, TensorData>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (var (name, data) in tensors)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey || !seen.Add(name))
                    throw new ArgumentException($"Tensor name '{name}' is empty, reserved or repeated.", nameof(tensors));
                json.WriteStartObject(name);
                json.WriteString("dtype", SafeTensorsDType.NameOf(data.Type));
                json.WriteStartArray("shape");
                foreach (var d in data.Dims) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += data.Bytes.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // The spec allows trailing spaces in the header; padding to 8 keeps the data aligned for memory mapping.
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, (int)buffer.Length).CopyTo(header);
        header.AsSpan((int)buffer.Length).Fill((byte)' ');
        return header;
    }

}
