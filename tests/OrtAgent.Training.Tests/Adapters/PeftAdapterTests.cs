using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrtAgent.Onnx;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Training.Tests.Adapters;

/// <summary>The adapter-only export in PEFT's naming and layout, and reading it back.</summary>
public sealed class PeftAdapterTests : IDisposable
{
    private readonly TempDirectory _root = new("peft");

    public void Dispose() => _root.Dispose();

    private (TrainingArtifacts Artifacts, List<KeyValuePair<string, TensorData>> Trained) TrainedLike(LoraTargets targets)
    {
        var baseDir = _root.Combine("base");
        if (!Directory.Exists(baseDir)) TinyBertBuilder.WriteBaseModel(baseDir);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = baseDir, Labels = ["ham", "spam"], BaseModelName = "tiny", Lora = new LoraOptions { Rank = 3, Alpha = 6, Targets = targets },
        }, _root.Combine("artifacts-" + (int)targets));
        // Random values everywhere (B included), so a transpose or a swap cannot go unnoticed.
        var random = new Random(1);
        var trained = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors
            .Select(t => new KeyValuePair<string, TensorData>(t.Key, TensorData.Create<float>(t.Value.Dims,
                Enumerable.Range(0, (int)t.Value.ElementCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray())))
            .ToList();
        return (artifacts, trained);
    }

    [Fact]
    public void WritesPeftNamesAndLayoutsThatGiveTheSameMergedWeights()
    {
        var (artifacts, trained) = TrainedLike(LoraTargets.Query | LoraTargets.Value);
        var directory = _root.Combine("adapter");
        PeftAdapter.Write(artifacts.Properties, trained, directory);

        var file = SafeTensorsReader.Read(Path.Combine(directory, PeftAdapter.WeightsFile));
        var a = file["base_model.model.encoder.layer.1.attention.self.value.lora_A.weight"];
        var b = file["base_model.model.encoder.layer.1.attention.self.value.lora_B.weight"];
        Assert.Equal([3L, 32L], a.Dims); // nn.Linear(in, r).weight: [r, in]
        Assert.Equal([32L, 3L], b.Dims); // nn.Linear(r, out).weight: [out, r]
        Assert.Equal([2L, 32L], file["base_model.model.classifier.weight"].Dims);
        Assert.Equal(10, file.Tensors.Count);
        Assert.Equal("[\"ham\",\"spam\"]", file.Metadata["ortagent.labels"]);
        Assert.Equal(artifacts.Properties.Lora!.BaseSha256, file.Metadata["ortagent.base_sha256"]);

        // PEFT's delta for nn.Linear is lora_B @ lora_A · α/r in [out, in]; OrtAgent's merge is W + A·B·α/r in [in, out].
        var byName = trained.ToDictionary(p => p.Key, p => p.Value);
        const string weight = "encoder.layer.1.attention.self.value.weight";
        var zeros = TensorData.Zeros(ElementType.Float, [32, 32]);
        var ours = LoraMerge.Merge(zeros, byName[LoraParameterNames.A(weight)], byName[LoraParameterNames.B(weight)], 2f).ToArray<float>();
        var (pa, pb) = (a.ToArray<float>(), b.ToArray<float>());
        for (int o = 0; o < 32; o++)
            for (int i = 0; i < 32; i++)
            {
                double peft = 0;
                for (int k = 0; k < 3; k++) peft += pb[o * 3 + k] * pa[k * 32 + i];
                Assert.Equal(ours[i * 32 + o], 2 * peft, 1e-5);
            }

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, PeftAdapter.ConfigFile)))!;
        Assert.Equal(("LORA", 3, 6f, "tiny"), ((string)config["peft_type"]!, (int)config["r"]!, (float)config["lora_alpha"]!, (string)config["base_model_name_or_path"]!));
        Assert.Equal(["query", "value"], config["target_modules"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void ReadingBackGivesTheSameTensorsOptionsAndLabels()
    {
        var all = LoraTargets.Query | LoraTargets.Key | LoraTargets.Value | LoraTargets.AttentionOutput | LoraTargets.Intermediate | LoraTargets.Output;
        var (artifacts, trained) = TrainedLike(all);
        var directory = _root.Combine("adapter");
        PeftAdapter.Write(artifacts.Properties, trained, directory);
        var adapter = PeftAdapter.Read(directory);
        Assert.Equal((3, 6f, all), (adapter.Options.Rank, adapter.Options.EffectiveAlpha, adapter.Options.Targets));
        Assert.Equal(["ham", "spam"], adapter.Labels);
        Assert.Equal(trained.Count, adapter.Tensors.Count);
        foreach (var (name, data) in trained) Assert.True(data.ContentEquals(adapter.Tensors[name]), name);

        // With the feed-forward output targeted, a list of suffixes would also catch attention.output.dense: a regex is written.
        var pattern = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, PeftAdapter.ConfigFile)))!["target_modules"]!;
        Assert.Matches($"^(?:{pattern})$", "encoder.layer.0.output.dense");
        Assert.Matches($"^(?:{pattern})$", "bert.encoder.layer.1.attention.output.dense");
        Assert.DoesNotMatch(new Regex($"^(?:{pattern})$"), "encoder.layer.0.output.LayerNorm");
    }

    /// <summary>An adapter_config.json edited by hand or written elsewhere: a wrong type was an internal error (exit 1).</summary>
    [Theory]
    [InlineData("\"r\": \"8\"", "'r' is \"8\", not a whole number")]
    [InlineData("\"r\": 8.5", "'r' is 8.5, not a whole number")]
    [InlineData("\"r\": [3]", "'r' is [3], not a whole number")]
    [InlineData("\"r\": 0", "the rank 'r' is 0; it must be at least 1")]
    [InlineData("\"r\": 3, \"lora_alpha\": \"six\"", "'lora_alpha' is \"six\", not a number")]
    [InlineData("\"r\": 3, \"lora_alpha\": -3", "'lora_alpha' is -3: must be a positive number")]
    [InlineData("\"r\": 3, \"lora_dropout\": 1.5", "'lora_dropout' is 1.5: ")]
    public void AMalformedConfigValueIsAUserErrorNamingIt(string fields, string message)
    {
        var (artifacts, trained) = TrainedLike(LoraTargets.Query | LoraTargets.Value);
        var directory = _root.Combine("adapter");
        PeftAdapter.Write(artifacts.Properties, trained, directory);
        var configPath = Path.Combine(directory, PeftAdapter.ConfigFile);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config.Remove("r");
        config.Remove("lora_alpha");
        foreach (var (key, value) in JsonNode.Parse("{" + fields + "}")!.AsObject().ToList()) config[key] = value?.DeepClone();
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<UserInputException>(() => PeftAdapter.Read(directory));

        Assert.StartsWith($"{configPath}: {message}", error.Message);
    }

    [Fact]
    public void AWholeRankWrittenAsAFractionIsRead()
    {
        var (artifacts, trained) = TrainedLike(LoraTargets.Query | LoraTargets.Value);
        var directory = _root.Combine("adapter");
        PeftAdapter.Write(artifacts.Properties, trained, directory);
        var configPath = Path.Combine(directory, PeftAdapter.ConfigFile);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"r\": 3", "\"r\": 3.0"));

        Assert.Equal(3, PeftAdapter.Read(directory).Options.Rank);
    }

    [Fact]
    public void AFullFineTuningRunHasNoAdapterToExport()
    {
        var baseDir = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseDir);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseDir }, _root.Combine("full"));
        var error = Assert.Throws<UserInputException>(() =>
            PeftAdapter.Write(artifacts.Properties, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors, _root.Combine("adapter")));
        Assert.Equal("these training artifacts were not trained with LoRA (TrainingArtifactsOptions.Lora); there is no adapter to export", error.Message);
        Assert.False(Directory.Exists(_root.Combine("adapter")));
    }
}
