using System.Text;

namespace OrtAgent.Onnx.Tests;

/// <summary><see cref="OnnxModel.ReadMetadata"/>: a model's metadata without its graph.</summary>
public sealed class ModelMetadataReaderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ortagent-metadata-" + Guid.NewGuid().ToString("N"));

    public ModelMetadataReaderTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ReadsWhatLoadReads()
    {
        var g = new Graph("tiny");
        var x = g.AddInput("x", ElementType.Float, [2]);
        var y = g.Identity(x);
        g.RenameValue(y, "y");
        y.Type = ElementType.Float;
        y.Shape = [2];
        g.AddOutput(y);
        var model = new OnnxModel(g);
        model.Metadata["ortagent.labels"] = "[\"negative\",\"positive\"]";
        model.Metadata["note"] = "été";
        var path = Path.Combine(_folder, "model.onnx");
        model.Save(path);

        Assert.Equal(OnnxModel.Load(path).Metadata.OrderBy(p => p.Key, StringComparer.Ordinal), OnnxModel.ReadMetadata(path).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal("été", OnnxModel.ReadMetadata(path)["note"]);
    }

    /// <summary>A graph of bytes no parser takes, before the metadata: Load fails on it, ReadMetadata never reads it.</summary>
    [Fact]
    public void StepsOverTheGraphWithoutParsingIt()
    {
        var path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, [.. Field(1, Varint(8), wireType: 0), .. Field(7, Enumerable.Repeat((byte)0xff, 100_000).ToArray()), .. Entry("ortagent.labels", "[]")]);

        Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path));
        Assert.Equal(new Dictionary<string, string> { ["ortagent.labels"] = "[]" }, OnnxModel.ReadMetadata(path));
    }

    public static TheoryData<string, byte[]> NotModels() => new()
    {
        { "it has no graph", [] },
        { "it has no graph", Entry("ortagent.labels", "[]") },
        { "a field runs past the end of the file", [.. Field(7, [1, 2, 3])[..^1]] },
        { "it ends inside a field", [0x3a] },
        { "a field numbered 0", Encoding.UTF8.GetBytes("\0 text") },
        { "a field of wire type 3", [0x0b] },
    };

    [Theory]
    [MemberData(nameof(NotModels))]
    public void RefusesWhatIsNotAModel(string reason, byte[] bytes)
    {
        var path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => OnnxModel.ReadMetadata(path));

        Assert.Equal($"'{path}' is not an ONNX model: {reason}", error.Message);
    }

    [Fact]
    public void AMissingFileIsReportedByName() =>
        Assert.Contains("/nonexistent/model.onnx", Assert.Throws<FileNotFoundException>(() => OnnxModel.ReadMetadata("/nonexistent/model.onnx")).Message);

    /// <summary>A metadata_props entry (ModelProto field 14: key is field 1, value field 2).</summary>
    private static byte[] Entry(string key, string value) =>
        Field(14, [.. Field(1, Encoding.UTF8.GetBytes(key)), .. Field(2, Encoding.UTF8.GetBytes(value))]);

    /// <summary>A field numbered below 16: its one-byte tag, then the length and <paramref name="content"/> (wire type 2) or the varint itself (0).</summary>
    private static byte[] Field(int number, byte[] content, int wireType = 2) =>
        [(byte)(number << 3 | wireType), .. wireType == 2 ? Varint(content.Length) : [], .. content];

    private static byte[] Varint(long value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7) bytes.Add((byte)(value & 0x7f | 0x80));
        bytes.Add((byte)value);
        return [.. bytes];
    }
}
