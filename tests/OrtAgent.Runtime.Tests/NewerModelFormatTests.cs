using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A model a newer OrtAgent exported is refused by its format before anything loads it. The format was read from the
/// session's metadata, after ONNX Runtime had loaded the file, so a newer model ONNX Runtime could not load (a newer
/// opset, an op it lacks) got ONNX Runtime's load message instead of the way to a build that reads it.
/// </summary>
public sealed class NewerModelFormatTests : IDisposable
{
    private readonly TempDirectory _directory = new("newer-model-format");

    public NewerModelFormatTests() => NewerFormatModel.Write(_directory.Path);

    public void Dispose() => _directory.Dispose();

    private string ModelPath => _directory.Combine(ModelContract.ModelFile);

    [Fact]
    public void ANewerModelOnnxRuntimeCannotLoadIsRefusedByItsFormat()
    {
        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal(NewerFormatModel.Refusal(ModelPath), error.Message);
    }

    /// <summary>A newer layout may keep its vocabulary in another file: the format, not the missing <c>vocab.txt</c>, is the news.</summary>
    [Fact]
    public void ANewerModelWithoutAVocabularyIsRefusedByItsFormat()
    {
        File.Delete(_directory.Combine(ModelContract.VocabularyFile));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal(NewerFormatModel.Refusal(ModelPath), error.Message);
    }

    /// <summary>
    /// A writer may put <c>metadata_props</c> (field 14) before the graph (field 7): protobuf fields come in any order,
    /// and the probe reads the entry there, then steps over the graph rather than stopping at it.
    /// </summary>
    [Fact]
    public void TheProbeReadsTheFormatFromMetadataWrittenBeforeTheGraph()
    {
        byte[] key = "ortagent.format"u8.ToArray(), value = "2"u8.ToArray(), graph = new byte[300];
        byte[] entry = [0x0A, (byte)key.Length, .. key, 0x12, (byte)value.Length, .. value];
        // metadata_props (14, length-delimited), then graph (7, length-delimited, 300 bytes: a two-byte varint length), then ir_version (1, varint).
        File.WriteAllBytes(ModelPath, [0x72, (byte)entry.Length, .. entry, 0x3A, 0xAC, 0x02, .. graph, 0x08, 0x07]);

        Assert.Equal("2", ModelFormatProbe.Read(ModelPath));
        var error = Assert.Throws<ModelLoadException>(() => ModelFormatProbe.RefuseAnotherFormat(ModelPath));
        Assert.StartsWith($"{ModelPath}: 'ortagent.format' is '2', a model format newer than this OrtAgent reads", error.Message);
    }

    [Fact]
    public void TheProbeReadsTheFormatPastTheGraphAndNothingFromAFileThatIsNoModel()
    {
        Assert.Equal(NewerFormatModel.Format, ModelFormatProbe.Read(ModelPath));

        File.WriteAllBytes(ModelPath, [0x0A, 0x7F, 0x01]);
        Assert.Null(ModelFormatProbe.Read(ModelPath));
    }
}
