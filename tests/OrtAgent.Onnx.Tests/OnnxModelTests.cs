namespace OrtAgent.Onnx.Tests;

[Collection(PackagedModelsCollection.Name)]
public class OnnxModelTests(PackagedEncoders models)
{
    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void SaveAndReloadKeepsGraphInitializersAndMetadata(string name)
    {
        var original = OnnxModel.Load(models.PathOf(name));
        original.Metadata["ortagent.test"] = "round trip";
        var path = Path.Combine(models.NewTempFolder(), "model.onnx");

        original.Save(path);
        var reloaded = OnnxModel.Load(path);

        AssertSameModel(original, reloaded);
        Assert.Equal("round trip", reloaded.Metadata["ortagent.test"]);
        Assert.False(File.Exists(path + ".data"));
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void SavedModelGivesIdenticalOnnxRuntimeOutputs(string name)
    {
        var path = Path.Combine(models.NewTempFolder(), "model.onnx");
        OnnxModel.Load(models.PathOf(name)).Save(path);

        var expected = OnnxRunner.RunFile(models.PathOf(name), EncoderBatch.Feeds());
        var actual = OnnxRunner.RunFile(path, EncoderBatch.Feeds());

        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (output, values) in expected)
            Assert.Equal(0f, OnnxRunner.MaxAbsDiff(values, actual[output]));
    }

    [Fact]
    public void ExternalDataKeepsTheModelSmallAndLoadsInOnnxRuntime()
    {
        var original = OnnxModel.Load(models.MiniLmPath);
        var folder = models.NewTempFolder();
        var path = Path.Combine(folder, "model.onnx");

        original.Save(path, new ModelSaveOptions { ExternalData = true });

        Assert.True(File.Exists(Path.Combine(folder, "model.onnx.data")));
        Assert.True(new FileInfo(path).Length < 200_000, $"model.onnx is {new FileInfo(path).Length} bytes");
        Assert.True(new FileInfo(path + ".data").Length > 80_000_000);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        AssertSameModel(original, OnnxModel.Load(path));

        var expected = OnnxRunner.RunFile(models.MiniLmPath, EncoderBatch.Feeds());
        var actual = OnnxRunner.RunFile(path, EncoderBatch.Feeds());
        foreach (var (output, values) in expected)
            Assert.Equal(0f, OnnxRunner.MaxAbsDiff(values, actual[output]));
    }

    /// <summary>
    /// A model saved with external data holds only names, shapes and offsets, which another model of the same shape
    /// shares; the digest of its data file, recorded as it is written, tells the file from another of the same size.
    /// </summary>
    [Fact]
    public void ExternalDataDigestKeyRecordsTheDataFilesSha256AndIsLeftOutInline()
    {
        var g = new Graph("tiny");
        // 3000 bytes each: the second is written at the next 4096-byte page, after 1096 bytes of zeros the digest covers.
        var a = g.AddInitializer("a", TensorData.Create<float>([750], Enumerable.Range(0, 750).Select(i => (float)i).ToArray()));
        var b = g.AddInitializer("b", TensorData.Create<float>([750], Enumerable.Range(0, 750).Select(i => -0.5f * i).ToArray()));
        var y = g.Add(a, b);
        g.RenameValue(y, "y");
        y.Type = ElementType.Float;
        y.Shape = [750];
        g.AddOutput(y);
        var model = new OnnxModel(g);
        model.Metadata["data_sha256"] = "a record kept from another file";
        var folder = models.NewTempFolder();
        var path = Path.Combine(folder, "model.onnx");

        model.Save(path, new ModelSaveOptions { ExternalData = true, ExternalDataDigestKey = "data_sha256" });

        var data = File.ReadAllBytes(path + ".data");
        Assert.Equal(4096 + 3000, data.Length);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), OnnxModel.ReadMetadata(path)["data_sha256"]);
        Assert.Single(OnnxModel.Load(path).Metadata, entry => entry.Key == "data_sha256");

        var inline = Path.Combine(folder, "inline.onnx");
        model.Save(inline, new ModelSaveOptions { ExternalDataDigestKey = "data_sha256" });
        Assert.False(File.Exists(inline + ".data"));
        Assert.False(OnnxModel.ReadMetadata(inline).ContainsKey("data_sha256"));
    }

    [Fact]
    public void ToBytesAndFromBytesRoundTrip()
    {
        var original = OnnxModel.Load(models.ArcticPath);
        AssertSameModel(original, OnnxModel.FromBytes(original.ToBytes()));
    }

    [Fact]
    public void MissingFileIsReportedByName()
    {
        var error = Assert.Throws<FileNotFoundException>(() => OnnxModel.Load("/nonexistent/model.onnx"));
        Assert.Equal("ONNX model '/nonexistent/model.onnx' does not exist.", error.Message);
    }

    private static void AssertSameModel(OnnxModel expected, OnnxModel actual)
    {
        Assert.Equal(expected.IrVersion, actual.IrVersion);
        Assert.Equal(expected.ProducerName, actual.ProducerName);
        Assert.Equal(expected.Metadata, actual.Metadata);
        Assert.Equal(expected.Graph.Opsets, actual.Graph.Opsets);
        Assert.Equal(expected.Graph.Inputs.Select(v => v.ToString()), actual.Graph.Inputs.Select(v => v.ToString()));
        Assert.Equal(expected.Graph.Outputs.Select(v => v.ToString()), actual.Graph.Outputs.Select(v => v.ToString()));
        Assert.Equal(expected.Graph.Nodes.Count, actual.Graph.Nodes.Count);
        foreach (var (e, a) in expected.Graph.Nodes.Zip(actual.Graph.Nodes))
        {
            Assert.Equal(e.ToString(), a.ToString());
            Assert.Equal(e.Attributes.Keys.Order(), a.Attributes.Keys.Order());
            foreach (var (key, value) in e.Attributes)
            {
                var other = a.Attributes[key];
                Assert.Equal(value.Kind, other.Kind);
                if (value.Kind == AttributeKind.Tensor) Assert.True(value.AsTensor().ContentEquals(other.AsTensor()), $"{e.Name}.{key}");
                else Assert.Equal(value.ToString(), other.ToString());
            }
        }
        Assert.Equal(expected.Graph.Initializers.Select(v => v.Name), actual.Graph.Initializers.Select(v => v.Name));
        foreach (var (e, a) in expected.Graph.Initializers.Zip(actual.Graph.Initializers))
            Assert.True(e.Initializer!.ContentEquals(a.Initializer!), $"initializer {e.Name} differs");
    }
}
