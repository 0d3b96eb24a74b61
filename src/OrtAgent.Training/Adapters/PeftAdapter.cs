using System.Text.Json;
using System.Text.Json.Nodes;
using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Adapters;

/// <summary>
/// A trained LoRA adapter on disk in Hugging Face PEFT's form: <c>adapter.safetensors</c> with PEFT's tensor names for a
/// BERT encoder (<c>base_model.model.encoder.layer.0.attention.self.query.lora_A.weight</c>), transposed into
/// <c>nn.Linear</c>'s <c>[out, in]</c> layout (lora_A <c>[r, in]</c>, lora_B <c>[out, r]</c>), and
/// <c>adapter_config.json</c> with PEFT's <c>LoraConfig</c> fields. The classifier head, which PEFT has no name for
/// on a bare encoder, is stored as <c>base_model.model.classifier.weight</c> <c>[labels, hidden]</c> and <c>.bias</c>;
/// labels, pooling and the base's SHA-256 travel in the safetensors metadata.
/// </summary>
public static class PeftAdapter
{
    /// <summary>The adapter tensors and head in PEFT's names and layout, with OrtAgent's metadata.</summary>
    public const string WeightsFile = "adapter.safetensors";
    /// <summary>PEFT's <c>LoraConfig</c> as JSON (rank, α, dropout, target modules).</summary>
    public const string ConfigFile = "adapter_config.json";

    private const string Prefix = "base_model.model.";
    private const string PeftA = ".lora_A.weight";
    private const string PeftB = ".lora_B.weight";
    private const string LabelsKey = "ortagent.labels";
    private const string BaseShaKey = "ortagent.base_sha256";
    private const string BaseNameKey = "ortagent.base_model";
    private const string PoolingKey = "ortagent.pooling";
    private const string NormalizeEmbeddingsKey = "ortagent.normalize_embeddings";

    /// <summary>Whether <paramref name="directory"/> holds an adapter rather than a model.</summary>
    public static bool IsAdapterDirectory(string directory) => File.Exists(Path.Combine(directory, ConfigFile));

    /// <summary>
    /// Writes the adapter of a LoRA run (its trained <paramref name="parameters"/>) into <paramref name="outputDirectory"/>,
    /// replacing what is there only once both files are complete.
    /// </summary>
    /// <exception cref="UserInputException">The run was not a LoRA run, a tensor is missing, or the destination may not be replaced.</exception>
    public static void Write(TrainingProperties properties, IReadOnlyList<KeyValuePair<string, TensorData>> parameters, string outputDirectory)
    {
        var lora = properties.Lora ?? throw new UserInputException(
            $"these training artifacts were not trained with LoRA ({InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.Lora))}); there is no adapter to export");
        var byName = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var tensors = new List<KeyValuePair<string, TensorData>>();
        foreach (var weight in lora.AdaptedWeights)
        {
            var module = Prefix + weight[..^".weight".Length];
            tensors.Add(new(module + PeftA, Transpose(Require(byName, LoraParameterNames.A(weight)))));
            tensors.Add(new(module + PeftB, Transpose(Require(byName, LoraParameterNames.B(weight)))));
        }
        tensors.Add(new(Prefix + ClassifierHead.WeightName, Transpose(Require(byName, ClassifierHead.WeightName))));
        tensors.Add(new(Prefix + ClassifierHead.BiasName, Require(byName, ClassifierHead.BiasName)));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [LabelsKey] = JsonSerializer.Serialize(properties.Labels),
            [BaseShaKey] = lora.BaseSha256,
            [BaseNameKey] = properties.BaseModelName ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(properties.BaseModel)),
            [PoolingKey] = properties.Pooling,
        };
        if (properties.NormalizeEmbeddings) metadata[NormalizeEmbeddingsKey] = "true";

        var full = Path.GetFullPath(outputDirectory);
        DestinationGuard.Check(full, DirectoryLayout.Adapter, outputDirectory);
        var staging = TemporarySiblings.For(full, "tmp");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            SafeTensorsWriter.Write(Path.Combine(staging, WeightsFile), tensors, metadata);
            File.WriteAllText(Path.Combine(staging, ConfigFile), Config(lora, metadata[BaseNameKey]).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            AtomicDirectory.Replace(staging, full, DirectoryLayout.Adapter);
            TemporarySiblings.Release(staging);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Reads an adapter directory back into OrtAgent's names and layout.</summary>
    /// <exception cref="UserInputException">A file is missing or unreadable, or a tensor belongs to no LoRA target OrtAgent knows.</exception>
    public static LoraAdapter Read(string directory)
    {
        var configPath = Path.Combine(directory, ConfigFile);
        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(configPath) || !File.Exists(weightsPath))
            throw new UserInputException($"{directory}: an adapter directory needs {ConfigFile} and {WeightsFile}");
        JsonNode config;
        SafeTensorsFile file;
        try
        {
            config = JsonNode.Parse(Runtime.ModelFolderFile.ReadAllText(configPath)) ?? throw new JsonException("empty");
            Runtime.ModelFolderFile.RequireRegularFile(weightsPath);
            file = SafeTensorsReader.Read(weightsPath);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            throw new UserInputException($"{directory}: unreadable adapter: {ex.Message}", ex);
        }
        if ((string?)config["peft_type"] is not "LORA")
            throw new UserInputException($"{configPath}: peft_type is '{config["peft_type"]}', not LORA");
        int rank = Number<int>(config, "r", configPath) ?? throw new UserInputException($"{configPath}: no rank 'r'");
        if (rank < 1) throw new UserInputException($"{configPath}: the rank 'r' is {rank}; it must be at least 1");
        float? alpha = Number<float>(config, "lora_alpha", configPath), dropout = Number<float>(config, "lora_dropout", configPath);

        var tensors = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        var targets = LoraTargets.None;
        foreach (var (key, data) in file.Tensors)
        {
            var name = key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : key;
            if (name is ClassifierHead.WeightName) tensors[name] = Transpose(data);
            else if (name is ClassifierHead.BiasName) tensors[name] = data;
            else if (name.EndsWith(PeftA, StringComparison.Ordinal) || name.EndsWith(PeftB, StringComparison.Ordinal))
            {
                bool isA = name.EndsWith(PeftA, StringComparison.Ordinal);
                var weight = name[..^PeftA.Length] + ".weight";
                targets |= LoraTargetNames.TargetOfWeight(weight)
                    ?? throw new UserInputException($"{weightsPath}: '{key}' adapts a layer OrtAgent does not target (expected encoder.layer.N.attention.self.query and the like)");
                tensors[isA ? LoraParameterNames.A(weight) : LoraParameterNames.B(weight)] = Transpose(data);
            }
            else throw new UserInputException($"{weightsPath}: unexpected tensor '{key}'");
        }
        if (targets == LoraTargets.None) throw new UserInputException($"{weightsPath}: holds no LoRA tensors");
        file.Metadata.TryGetValue(LabelsKey, out var labels);
        file.Metadata.TryGetValue(BaseShaKey, out var sha);
        file.Metadata.TryGetValue(BaseNameKey, out var baseName);
        file.Metadata.TryGetValue(PoolingKey, out var pooling);
        file.Metadata.TryGetValue(NormalizeEmbeddingsKey, out var normalize);
        return new LoraAdapter
        {
            Head = pooling is null ? null : new ExportedHead(ReadPooling(pooling, weightsPath), normalize == "true", null),
            Options = Checked(new LoraOptions { Rank = rank, Alpha = alpha ?? rank, Dropout = dropout ?? 0f, Targets = targets }, configPath),
            Tensors = tensors,
            Labels = labels is null ? null : JsonSerializer.Deserialize<string[]>(labels),
            BaseSha256 = sha,
            BaseModelName = baseName,
        };
    }

    /// <summary>The adapter's settings, checked as a run's are, but named as the config spells them rather than as flags.</summary>
    private static LoraOptions Checked(LoraOptions options, string configPath)
    {
        try
        {
            options.Validate();
            return options;
        }
        catch (InvalidOptionException ex)
        {
            string key = ex.Option.EndsWith(nameof(LoraOptions.Alpha), StringComparison.Ordinal) ? "lora_alpha"
                : ex.Option.EndsWith(nameof(LoraOptions.Dropout), StringComparison.Ordinal) ? "lora_dropout" : "r";
            throw new UserInputException($"{configPath}: '{key}' is {InvalidOptionException.Display(ex.Value)}: {ex.Problem}", ex);
        }
    }

    /// <summary>A number in the config, or null when absent; a string, array or fraction where a whole number belongs is refused.</summary>
    private static T? Number<T>(JsonNode config, string key, string configPath) where T : struct
    {
        if (config[key] is not { } node) return null;
        if (node is JsonValue value && value.TryGetValue<T>(out var number)) return number;
        // 4.0 is a whole number as Python's json writes one.
        if (typeof(T) == typeof(int) && node is JsonValue whole && whole.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            return (T)(object)(int)d;
        throw new UserInputException($"{configPath}: '{key}' is {node.ToJsonString()}, not {(typeof(T) == typeof(int) ? "a whole number" : "a number")}");
    }

    private static PoolingMode ReadPooling(string pooling, string weightsPath)
    {
        try
        {
            return ClassifierHeadOptions.ParsePooling(pooling);
        }
        catch (UserInputException)
        {
            throw new UserInputException($"{weightsPath}: {PoolingKey} is '{pooling}', not mean, cls or pooler");
        }
    }

    /// <summary>PEFT's <c>LoraConfig</c> for a bare BERT encoder (<c>AutoModel</c>, hence <c>FEATURE_EXTRACTION</c>).</summary>
    private static JsonObject Config(LoraProperties lora, string baseName)
    {
        var targets = lora.ToOptions().Targets;
        return new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "FEATURE_EXTRACTION",
            ["base_model_name_or_path"] = baseName,
            ["r"] = lora.Rank,
            ["lora_alpha"] = lora.Alpha,
            ["lora_dropout"] = lora.Dropout,
            ["target_modules"] = TargetModules(targets),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["init_lora_weights"] = true,
            ["use_rslora"] = false,
            ["inference_mode"] = true,
        };
    }

    /// <summary>
    /// PEFT matches each list entry as a suffix of a module name, so <c>query</c> suffices while a dense layer needs its
    /// parent (<c>intermediate.dense</c>). The feed-forward <c>output.dense</c> is also a suffix of
    /// <c>attention.output.dense</c>; with that target the modules are given as the regular expression PEFT accepts instead.
    /// </summary>
    private static JsonNode TargetModules(LoraTargets targets)
    {
        var modules = Enum.GetValues<LoraTargets>().Where(t => t != LoraTargets.None && targets.HasFlag(t)).Select(LoraTargetNames.ModuleOf).ToArray();
        if (targets.HasFlag(LoraTargets.Output))
            return JsonValue.Create(@"(.*\.)?encoder\.layer\.\d+\.(" + string.Join("|", modules.Select(m => m.Replace(".", @"\."))) + ")");
        const string selfAttention = "attention.self.";
        return new JsonArray(modules.Select(m => (JsonNode)JsonValue.Create(m.StartsWith(selfAttention, StringComparison.Ordinal) ? m[selfAttention.Length..] : m)).ToArray());
    }

    private static TensorData Require(Dictionary<string, TensorData> byName, string name) =>
        byName.TryGetValue(name, out var data) ? data : throw new UserInputException($"the checkpoint has no tensor '{name}' for the adapter");

    private static TensorData Transpose(TensorData matrix)
    {
        if (matrix.Rank != 2 || matrix.Type != ElementType.Float) throw new UserInputException($"expected a float matrix, not {matrix}");
        int rows = (int)matrix.Dims[0], columns = (int)matrix.Dims[1];
        var source = matrix.AsSpan<float>();
        var result = new float[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) result[c * rows + r] = source[r * columns + c];
        return TensorData.Create<float>([columns, rows], result);
    }
}
