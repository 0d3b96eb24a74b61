using System.Text.Json;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.TestSupport;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Explanations;

/// <summary>
/// <c>explain</c> on a model trained in Python and served as-is: a torch export's graph (<c>torch_jit</c>, opset 14,
/// layer norms decomposed) in the Hugging Face layout. Its missing <c>explain.onnx</c> was said to be that of a model
/// "exported before explanations", and the <c>export --explain</c> it named died on "LayerNormalization needs opset 17"
/// (exit 1); the explain graph is now raised to opset 17, as training raises a base, and explains the model.
/// </summary>
public sealed class ForeignModelExplainTests : IDisposable
{
    private readonly TempDirectory _folder = new("foreign-explain");

    public void Dispose() => _folder.Dispose();

    /// <summary>The tiny BERT with a random head, as torch exports it at opset 14, in the Hugging Face layout.</summary>
    private string WriteTorchExport(int opset = 14)
    {
        var export = _folder.Combine("export");
        TinyBertClassifier.Write(export, recordedMaxLength: 32, new TinyBertOptions { Opset = 13 });
        var directory = HuggingFaceLayout.WriteFrom(export, _folder.Combine("py"));
        var path = Path.Combine(directory, ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        // Opset 14 changed none of the operators this graph uses from 13.
        model.Graph.OpsetVersion = opset;
        model.Graph.Name = "torch_jit";
        var random = new Random(7);
        var head = model.Graph.Initializers.Single(v => v.Initializer!.Dims is [32, 2]);
        head.Initializer = TensorData.Create<float>([32, 2], Enumerable.Range(0, 64).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        model.Save(path);
        return directory;
    }

    [Fact]
    public async Task ExplainSaysTheModelIsNotAnOrtAgentExportAndExportExplainMakesItExplainable()
    {
        var directory = WriteTorchExport();

        var before = await CliRun.RunAsync(["explain", "--model", directory, "good movie"]);
        Assert.True(before.ExitCode == 2, before.ToString());
        Assert.Equal($"error: {directory}: no explain.onnx (the model was not exported by OrtAgent, and only OrtAgent's exports write it); "
            + $"add it with: ortagent export --explain --model {directory}", Assert.Single(before.ErrorLines));

        var export = await CliRun.RunAsync(["export", "--explain", "--model", directory]);
        Assert.True(export.ExitCode == 0, export.ToString());
        // Only explain.onnx is raised: model.onnx is the torch export still.
        Assert.Equal(14, OnnxModel.Load(Path.Combine(directory, ModelContract.ModelFile)).Graph.OpsetVersion);

        var explained = await CliRun.RunAsync(["explain", "--model", directory, "--json", "--steps", "16", "good movie"]);
        Assert.True(explained.ExitCode == 0, explained.ToString());
        using var json = JsonDocument.Parse(explained.Output);
        var root = json.RootElement;
        using var classifier = TextClassifier.Load(directory);
        Assert.Equal(classifier.Predict("good movie").Label, root.GetProperty("label").GetString());
        double change = root.GetProperty("input_logit").GetDouble() - root.GetProperty("baseline_logit").GetDouble();
        Assert.NotEqual(0, change, 1e-4);
        Assert.True(Math.Abs(root.GetProperty("completeness_gap").GetDouble()) < 0.05 * Math.Abs(change) + 1e-4, explained.Output);
    }

    /// <summary>A graph older than the opset upgrader reads is refused in one line saying why, and nothing is written.</summary>
    [Fact]
    public async Task ExportExplainRefusesAGraphTooOldToRaise()
    {
        var directory = WriteTorchExport(opset: 10);

        var export = await CliRun.RunAsync(["export", "--explain", "--model", directory]);

        Assert.True(export.ExitCode == 2, export.ToString());
        Assert.Equal($"error: {Path.Combine(directory, ModelContract.ModelFile)}: cannot add explain.onnx: its graph uses ONNX opset 10, and explanations are built at opset 17 "
            + "from graphs of opset 11 or later, so this model cannot be explained (export it again at opset 11 or later)", Assert.Single(export.ErrorLines));
        Assert.False(File.Exists(Path.Combine(directory, ModelContract.ExplainModelFile)));
    }
}
