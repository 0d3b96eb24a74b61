using OrtAgent.Onnx;
using OrtAgent.Tests.Inference;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

/// <summary>
/// ONNX Runtime writes its own log to the process's stderr, outside the CLI's writers, so these run ortagent as a child
/// process: its warnings stay out of a normal run's stderr and show with <c>--verbose</c>.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class OnnxRuntimeLoggingTests(TinyClassifierFixture model) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// A copy of the fixture model that ONNX Runtime loads with a warning: one weight is also declared a graph input
    /// (as old exporters did), which it reports when it creates the session.
    /// </summary>
    private string ModelThatWarns()
    {
        var directory = model.CopyModelTo(_folder.Combine("model"));
        var onnx = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        onnx.Graph.Inputs.Add(onnx.Graph.Initializers.First(v => v.Type == ElementType.Float));
        onnx.Save(Path.Combine(directory, "model.onnx"));
        return directory;
    }

    private static CliRun RunOrtAgent(params string[] args)
    {
        using var child = new IsolatedChildProcess();
        return child.Run(args);
    }

    [Fact]
    public void WarningsOfOnnxRuntimeShowOnlyWithVerbose()
    {
        var directory = ModelThatWarns();

        var quiet = RunOrtAgent("predict", "--model", directory, "the movie was great");
        var verbose = RunOrtAgent("predict", "--model", directory, "the movie was great", "--verbose");

        Assert.True(quiet.ExitCode == 0, quiet.Error);
        Assert.Matches(@"^(neg|neu|pos)\t", quiet.Output);
        Assert.Equal("", quiet.Error);
        Assert.True(verbose.ExitCode == 0, verbose.Error);
        Assert.Contains("appears in graph inputs", verbose.Error);
    }
}
