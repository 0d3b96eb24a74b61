using System.Buffers.Binary;
using System.Text.Json;
using OrtAgent.Onnx;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Reads the safetensors format written by <see cref="SafeTensorsWriter"/> or by PyTorch's <c>safetensors</c>,
/// validating what the spec requires: a sane header length, known dtypes, offsets that match each shape
/// and cover the data section exactly, with no overlap and no gap.
/// </summary>
public static class SafeTensorsReader
{
    // The reference implementation refuses headers over 100 MB; so do we, before allocating.
    private const long MaxHeaderBytes = 100_000_000;

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors.</exception>
    public static SafeTensorsFile Read(string path)
    {
        using var stream = OpenChecked(path, out var entries, out var metadata);
        var tensors = new List<KeyValuePair<string, TensorData>>(entries.Count);
        foreach (var e in entries)
        {
            var bytes = new byte[e.End - e.Begin];
            stream.ReadExactly(bytes);
            tensors.Add(new(e.Name, TensorData.FromBytes(e.Type, e.Shape, bytes)));
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>
    /// Checks the header and that the data section is exactly as long as the tensors it lists, without reading the
    /// tensors: a file cut short by a crash or a full disk fails here, before anything depends on it.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or is truncated.</exception>
    public static void Verify(string path)
    {
        using var stream = OpenChecked(path, out _, out _);
    }

    /// <summary>Opens <paramref name="path"/> with the header read and checked; the stream is at the first tensor.</summary>
    private static FileStream OpenChecked(string path, out List<Entry> entries, out Dictionary<string, string> metadata)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint file '{path}' does not exist.", path);
        var stream = File.OpenRead(path);
        try
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
                throw Invalid(path, "it is shorter than the 8-byte header length");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > MaxHeaderBytes || (long)headerLength > stream.Length - 8)
                throw Invalid(path, $"its header length {headerLength} is out of range");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long dataLength = stream.Length - 8 - (long)headerLength;

            entries = ParseHeader(header, path, out metadata);
            entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            long expected = 0;
            foreach (var e in entries)
            {
                if (e.Begin != expected)
                    throw Invalid(path, $"tensor '{e.Name}' starts at {e.Begin}, not at {expected} (gap or overlap)");
                expected = e.End;
            }
            if (expected != dataLength)
                throw Invalid(path, $"the tensors cover {expected} bytes but the data section holds {dataLength}");
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private sealed record Entry(string Name, ElementType Type, long[] Shape, long Begin, long End);

    private static List<Entry> ParseHeader(byte[] header, string path, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException ex) { throw new InvalidDataException($"'{path}' is not a safetensors file: its header is not JSON ({ex.Message})", ex); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(path, "its header is not a JSON object");
            var entries = new List<Entry>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == SafeTensorsWriter.MetadataKey)
                {
                    foreach (var m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                entries.Add(ParseEntry(property, path));
            }
            return entries;
        }
    }

    private static Entry ParseEntry(JsonProperty property, string path)
    {
        try
        {
            var v = property.Value;
            var type = SafeTensorsDType.Parse(v.GetProperty("dtype").GetString() ?? "", path);
            var shape = v.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || shape.Any(d => d < 0))
                throw Invalid(path, $"tensor '{property.Name}' has bad shape or offsets");
            long count = shape.Aggregate(1L, (a, d) => a * d);
            if (offsets[1] - offsets[0] != count * ElementTypes.SizeOf(type))
                throw Invalid(path, $"tensor '{property.Name}' spans {offsets[1] - offsets[0]} bytes, not the {count} elements its shape needs");
            return new Entry(property.Name, type, shape, offsets[0], offsets[1]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"'{path}' is not a safetensors file: tensor '{property.Name}' is malformed ({ex.Message})", ex);
        }
    }

    private static InvalidDataException Invalid(string path, string why) => new($"'{path}' is not a safetensors file: {why}");
}
