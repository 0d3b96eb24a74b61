using System.Diagnostics;
using OrtAgent.Cli;
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

    private static (int ExitCode, string Stdout, string Stderr) RunOrtAgent(params string[] args)
    {
        var cli = Path.Combine(Path.GetDirectoryName(typeof(CliApp).Assembly.Location)!, "ortagent.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[cli, .. args]) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "ortagent did not finish in 2 minutes");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void WarningsOfOnnxRuntimeShowOnlyWithVerbose()
    {
        var directory = ModelThatWarns();

        var quiet = RunOrtAgent("predict", "--model", directory, "the movie was great");
        var verbose = RunOrtAgent("predict", "--model", directory, "the movie was great", "--verbose");

        Assert.True(quiet.ExitCode == 0, quiet.Stderr);
        Assert.Matches(@"^(neg|neu|pos)\t", quiet.Stdout);
        Assert.Equal("", quiet.Stderr);
        Assert.True(verbose.ExitCode == 0, verbose.Stderr);
        Assert.Contains("appears in graph inputs", verbose.Stderr);
    }
}
