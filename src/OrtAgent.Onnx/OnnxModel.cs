using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;

namespace OrtAgent.Onnx;

/// <summary>
/// An ONNX model: one <see cref="Graph"/> plus the model-level fields (IR version, producer, metadata).
/// Loads and saves <c>.onnx</c> files, with tensors inline or in an external-data file beside the model,
/// which is how models over protobuf's 2 GB limit are stored.
/// </summary>
public sealed class OnnxModel
{
    /// <summary>IR version written for new models; ONNX Runtime 1.31 reads up to IR 11.</summary>
    public const long DefaultIrVersion = 8;

    /// <summary>A model around <paramref name="graph"/>, which it holds by reference (not copied), at IR <see cref="DefaultIrVersion"/>.</summary>
    public OnnxModel(Graph graph) => Graph = graph;

    /// <summary>The main graph; its <see cref="Graph.Opsets"/> become the model's opset imports.</summary>
    public Graph Graph { get; }

    /// <summary>The ONNX IR version written (<c>ir_version</c>); a loaded model keeps the file's.</summary>
    public long IrVersion { get; set; } = DefaultIrVersion;

    /// <summary>The tool that wrote the model (<c>producer_name</c>); <c>OrtAgent</c> for new models, null writes an empty string.</summary>
    public string? ProducerName { get; set; } = "OrtAgent";

    /// <summary>The producing tool's version (<c>producer_version</c>); null writes an empty string.</summary>
    public string? ProducerVersion { get; set; }

    /// <summary>Reverse-DNS namespace of the model (<c>domain</c>), not an operator domain; null writes an empty string.</summary>
    public string? Domain { get; set; }

    /// <summary>The model's own version number (<c>model_version</c>); 0 when unset.</summary>
    public long ModelVersion { get; set; }

    /// <summary>Free-text documentation stored with the model; null writes none.</summary>
    public string? DocString { get; set; }

    /// <summary>Key/value strings stored in the model's <c>metadata_props</c>.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Loads a model file; external-data tensors are read relative to its directory.</summary>
    /// <exception cref="FileNotFoundException">The file (or an external-data file it names) is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable ONNX model.</exception>
    public static OnnxModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        return Read(() =>
        {
            using var stream = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(stream);
        }, path);
    }

    /// <summary>
    /// Parses <paramref name="bytes"/>, read from the model file at <paramref name="path"/>, as <see cref="Load(string)"/>
    /// would that file: a caller that also hashes the bytes parses what it hashed, not a file replaced in between.
    /// </summary>
    /// <exception cref="FileNotFoundException">An external-data file the model names is missing.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a readable ONNX model.</exception>
    internal static OnnxModel Load(byte[] bytes, string path) => Read(() => ModelProto.Parser.ParseFrom(bytes), path);

    private static OnnxModel Read(Func<ModelProto> parse, string path)
    {
        ModelProto proto;
        try
        {
            proto = parse();
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"'{path}' is not an ONNX model: {ex.Message}", ex);
        }
        if (proto.Graph is null)
            throw new InvalidDataException($"'{path}' is not an ONNX model: it has no graph");
        return ModelProtoReader.Read(proto, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>
    /// The <c>metadata_props</c> of the model file at <paramref name="path"/>, read without the graph: its weights are
    /// stepped over, not read, so this costs a few small reads however large the model (a look at who wrote it).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path) => ModelMetadataReader.Read(path);

    /// <summary>Parses a model held in memory; it must not use external data.</summary>
    public static OnnxModel FromBytes(byte[] bytes) => ModelProtoReader.Read(ModelProto.Parser.ParseFrom(bytes), null);

    /// <summary>Serializes to bytes with every tensor inline (models under 2 GB).</summary>
    public byte[] ToBytes() => ModelProtoWriter.Write(this).ToByteArray();

    /// <summary>
    /// Saves atomically: the files are written under temporary names and renamed into place, so an interrupted
    /// save never leaves a half-written model where a good one was.
    /// </summary>
    public void Save(string path, ModelSaveOptions? options = null)
    {
        options ??= new ModelSaveOptions();
        var proto = ModelProtoWriter.Write(this);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string? dataFile = null;
        long totalBytes = Graph.Initializers.Sum(v => (long)v.Initializer!.Bytes.Length);
        bool external = options.ExternalData ?? totalBytes > ModelSaveOptions.InlineLimitBytes;
        string? dataDigest = null;
        if (external)
        {
            dataFile = options.ExternalDataFileName ?? Path.GetFileName(path) + ".data";
            dataDigest = WriteExternalData(proto, Path.Combine(directory, dataFile), dataFile, options.ExternalDataThresholdBytes);
        }
        if (options.ExternalDataDigestKey is { } digestKey) RecordExternalDataDigest(proto, digestKey, dataDigest);
        var temp = options.TemporaryPath ?? path + ".tmp";
        try
        {
            CreationFault.Reach(temp);
            using (var stream = File.Create(temp))
                proto.WriteTo(stream);
            if (dataFile is not null)
                File.Move(Path.Combine(directory, dataFile) + ".tmp", Path.Combine(directory, dataFile), overwrite: true);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            // Nothing half-written is left beside the model; the exception is what the caller needs.
            File.Delete(temp);
            if (dataFile is not null) File.Delete(Path.Combine(directory, dataFile) + ".tmp");
            throw;
        }
    }

    // Writes the external data file under a temporary name and returns the SHA-256 of its bytes, hashed as they are
    // written (the zeros between tensors included) rather than read back: a large model's file is gigabytes.
    private string WriteExternalData(ModelProto proto, string dataPath, string location, long threshold)
    {
        const int Page = 4096;
        using var stream = File.Create(dataPath + ".tmp");
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var padding = new byte[Page];
        var byName = Graph.Initializers.ToDictionary(v => v.Name, v => v.Initializer!);
        foreach (var tensor in proto.Graph.Initializer)
        {
            var data = byName[tensor.Name];
            if (data.Bytes.Length < threshold) continue;
            // ONNX Runtime memory-maps external data; page-aligned offsets let it do so without copying.
            long offset = (stream.Position + Page - 1) / Page * Page;
            digest.AppendData(padding, 0, (int)(offset - stream.Position));
            stream.SetLength(offset);
            stream.Position = offset;
            stream.Write(data.Bytes);
            digest.AppendData(data.Bytes);
            TensorProtoConverter.MarkExternal(tensor, location, offset, data.Bytes.Length);
        }
        return Convert.ToHexStringLower(digest.GetHashAndReset());
    }

    // The model's metadata as saved: the digest of the data file written with it under `key`, or no `key` at all when
    // saved inline, where a record kept from a model loaded with external data would name a file the model no longer has.
    private static void RecordExternalDataDigest(ModelProto proto, string key, string? digest)
    {
        var stale = proto.MetadataProps.Where(entry => entry.Key == key).ToList();
        foreach (var entry in stale) proto.MetadataProps.Remove(entry);
        if (digest is not null) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = digest });
    }
}
