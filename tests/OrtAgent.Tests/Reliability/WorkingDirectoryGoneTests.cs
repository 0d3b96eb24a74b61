using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// A shell whose working directory was removed under it (<c>mkdir /tmp/g; cd /tmp/g; rmdir /tmp/g</c>) starts ortagent
/// in a directory that no longer exists. Every relative path then fails to resolve: that was an <c>internal error:
/// FileNotFoundException</c> (exit 1), for <c>train</c> only at its first checkpoint save, a whole epoch in, leaving
/// <c>checkpoint.next</c>; and <c>serve</c> failed at start even with every path absolute. Now a command that needs the
/// working directory says so in one line (exit 2), and one given absolute paths runs.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkingDirectoryGoneTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>The child, started by a shell that enters <paramref name="gone"/> and removes it first.</summary>
    private static OrtAgentProcess InRemovedDirectory(string gone)
    {
        Directory.CreateDirectory(gone);
        return new OrtAgentProcess { Shell = "cd \"$GONE\" && rmdir \"$GONE\" && exec \"$@\"", Environment = { ["GONE"] = gone } };
    }

    /// <summary>The line for a removed working directory; <paramref name="relative"/> names the relative path that needed it, where the CLI knows it.</summary>
    private static string GoneLine(string gone, string? relative = null) =>
        $"error: the working directory {gone} no longer exists{(relative is null ? "" : $", and {relative} is relative to it")}; cd to an existing directory, or give absolute paths"
        + Environment.NewLine;

    [LinuxFact("a working directory removed under a running process is a Unix file system's behaviour")]
    public async Task WithEveryPathAbsoluteTrainPredictAndServeRun()
    {
        var gone = _work.Combine("gone");
        var child = InRemovedDirectory(gone);

        var train = await child.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"), Bound);

        Assert.True(train.ExitCode == 0, train.ToString());
        var model = _work.Combine("models", "m");
        Assert.True(File.Exists(Path.Combine(model, "model.onnx")), train.ToString());
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m", "checkpoint.next")));

        var predict = await InRemovedDirectory(gone).RunAsync(["predict", "-m", model, "--json", "good movie"], Bound);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        Assert.StartsWith("{", predict.Output);

        using var serve = InRemovedDirectory(gone).Start(["serve", "-m", model, "--threads", "1", "--urls", "http://127.0.0.1:0"]);
        var stderr = serve.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Bound);
        string? listening = null;
        try
        {
            while (listening is null && await serve.StandardOutput.ReadLineAsync(limit.Token) is string line)
                if (line.StartsWith("serving ", StringComparison.Ordinal)) listening = line;
        }
        finally
        {
            if (!serve.HasExited) IsolatedChildProcess.Terminate(serve);
            await serve.WaitForExitAsync(limit.Token);
        }
        Assert.True(listening is not null, await stderr);
        Assert.DoesNotContain("internal error", await stderr);
    }

    [LinuxFact("a working directory removed under a running process is a Unix file system's behaviour")]
    public async Task ACommandThatNeedsTheWorkingDirectorySaysSoUpFront()
    {
        var gone = _work.Combine("gone");

        // The default models root, "models", is relative: named, since no path the user typed was.
        var list = await InRemovedDirectory(gone).RunAsync(["models", "list"], Bound);
        Assert.Equal((2, GoneLine(gone, "--models-root (models)")), (list.ExitCode, list.Error));

        var predict = await InRemovedDirectory(gone).RunAsync(["predict", "-m", "models/m", "good movie"], Bound);
        Assert.Equal((2, GoneLine(gone)), (predict.ExitCode, predict.Error));

        // With an absolute --store, the service started and each job then failed as an internal error, pulling its base
        // encoder into the default models root; it is said at the start, as for every other command needing that root.
        foreach (var command in new[] { "serve", "mcp" })
        {
            var service = await InRemovedDirectory(gone).RunAsync([command, "--fine-tuning", "--store", _work.Combine($"{command}-store")], Bound);
            Assert.Equal((2, GoneLine(gone, "--models-root (models)")), (service.ExitCode, service.Error));
            Assert.False(Directory.Exists(_work.Combine($"{command}-store")), $"{command} made its store");
        }

        // A relative data file was "file not found": the existence check cannot see it, and said nothing of why.
        var data = await InRemovedDirectory(gone).RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--data", "train.csv"), Bound);
        Assert.Equal((2, GoneLine(gone)), (data.ExitCode, data.Error));

        // A relative --output: refused before a step is trained, nothing left under the (absolute) artifacts root.
        var train = await InRemovedDirectory(gone).RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--output", "models/m"), Bound);
        Assert.Equal((2, GoneLine(gone)), (train.ExitCode, train.Error));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m")));
    }
}
