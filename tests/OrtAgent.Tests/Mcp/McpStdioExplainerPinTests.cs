using OrtAgent.Tests.Serving;
using OrtAgent.TestSupport;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// <c>ortagent mcp --model</c> loads its models once, at start, as <c>serve</c> does, but opened <c>explain.onnx</c> by
/// path at a model's first <c>explain_text</c>: a folder another model was renamed into after the start answered "the
/// model was replaced" (restart to load it), and a damaged <c>explain.onnx</c> started and failed every explanation.
/// It now checks the graph at start and holds it open, as <c>serve</c> does.
/// </summary>
public sealed class McpStdioExplainerPinTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static void WriteExplained(string directory, ToyModelSpec model)
    {
        ToyClassifierModel.Write(directory, model);
        ModelExporter.AddExplainGraph(directory);
    }

    [Fact]
    public async Task AModelFolderSwappedAfterTheStartIsExplainedByTheModelLoaded()
    {
        string given = _work.Combine("given");
        WriteExplained(given, ToyClassifierModel.Sentiment);
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--model", given]);
        // The topic model would call the text "other", never "positive".
        WriteExplained(given + "-next", ToyClassifierModel.Topic);
        Directory.Move(given, given + "-old");
        Directory.Move(given + "-next", given);

        var answer = await client.CallAsync("explain_text", new() { ["text"] = "the movie was great", ["model"] = "given", ["steps"] = 2 });

        Assert.Equal("positive", answer.GetProperty("label").GetString());
        Assert.Equal("great", answer.GetProperty("words_for")[0].GetProperty("word").GetString());
    }

    [Fact]
    public async Task ADamagedExplainGraphStopsTheStartNamingIt()
    {
        string given = _work.Combine("given");
        WriteExplained(given, ToyClassifierModel.Sentiment);
        string graph = Path.Combine(given, "explain.onnx");
        var whole = File.ReadAllBytes(graph);
        File.WriteAllBytes(graph, whole[..(whole.Length / 2)]);

        using var process = OrtAgentMcpProcess.StartBare("--model", given);
        process.StandardInput.Close();
        string stderr = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        string stdout = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("", stdout);
        Assert.Contains($"{graph}: is not a whole ONNX model", stderr);
    }
}
