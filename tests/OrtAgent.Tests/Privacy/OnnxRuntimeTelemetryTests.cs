using System.Net.Http.Json;
using System.Text.RegularExpressions;
using OrtAgent.Cli;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Inference;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Mcp;

namespace OrtAgent.Tests.Privacy;

/// <summary>
/// Every entry point, run as a user runs it (a child process with an empty HOME and XDG_CACHE_HOME), leaves nothing in
/// the user's home: in particular not the device id and event database that ONNX Runtime's telemetry writes under
/// <c>~/.cache/Microsoft/DeveloperTools/.onnxruntime/</c>. The opt-in test shows those files do appear when telemetry
/// is allowed, so an empty home means the opt-out worked, not that the check looked in the wrong place.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed partial class OnnxRuntimeTelemetryTests(TinyClassifierFixture model, TinyTrainingFixture tiny)
    : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private const string TelemetryFolder = ".cache/Microsoft/DeveloperTools/.onnxruntime";

    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Predict_LeavesNothingInHome()
    {
        using var child = new IsolatedChildProcess();

        var run = child.Run("predict", "--model", model.ModelDirectory, "the movie was great");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(child.FilesInHome());
    }

    [Fact]
    public void Predict_WithTheOptIn_LetsOnnxRuntimeWriteItsDeviceIdAndEventDatabase()
    {
        using var child = new IsolatedChildProcess();
        child.Environment[OnnxRuntimeTelemetryOptIn.Variable] = "1";

        var run = child.Run("predict", "--model", model.ModelDirectory, "the movie was great");

        Assert.True(run.ExitCode == 0, run.ToString());
        var files = child.FilesInHome();
        Assert.Contains(Path.Combine(TelemetryFolder, "deviceid"), files);
        Assert.Contains(Path.Combine(TelemetryFolder, "onnxruntime.db"), files);
    }

    [Fact]
    public void Train_LeavesNothingInHome()
    {
        using var child = new IsolatedChildProcess();

        var run = child.Run(tiny.TrainArgs(_work.Path, "--epochs", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(_work.Combine("models", "m", "model.onnx")), run.ToString());
        Assert.Empty(child.FilesInHome());
    }

    [Fact]
    public async Task Serve_StartedAskedAndStopped_LeavesNothingInHome()
    {
        using var child = new IsolatedChildProcess();
        using var server = child.Start("serve", "--model", model.ModelDirectory, "--urls", "http://127.0.0.1:0");
        var stderr = server.StandardError.ReadToEndAsync();
        try
        {
            var address = await ListeningAddressAsync(server);
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            using var response = await client.PostAsJsonAsync("predict", new { inputs = "the movie was great" });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        finally
        {
            IsolatedChildProcess.Terminate(server);
            if (!server.WaitForExit(TimeSpan.FromMinutes(1))) server.Kill(entireProcessTree: true);
        }

        Assert.True(server.ExitCode == 0, await stderr);
        Assert.Empty(child.FilesInHome());
    }

    [Fact]
    public async Task Mcp_ClassifiesOverStdio_LeavesNothingInHome()
    {
        using var child = new IsolatedChildProcess();
        var start = child.StartInfo("mcp", "--model", model.ModelDirectory);
        start.RedirectStandardInput = true;
        using var server = System.Diagnostics.Process.Start(start)!;
        var stderr = server.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await JsonRpcLines.SendAsync(server, JsonRpcLines.Initialize(1, "2025-11-25"));
            (await JsonRpcLines.ReceiveAsync(server, timeout.Token)).Dispose();
            await JsonRpcLines.SendAsync(server, JsonRpcLines.Initialized());
            await JsonRpcLines.SendAsync(server, JsonRpcLines.CallTool(2, "classify_text", new() { ["text"] = "the movie was great" }));
            using var called = await JsonRpcLines.ReceiveAsync(server, timeout.Token);
            Assert.False(called.RootElement.GetProperty("result").TryGetProperty("isError", out var isError) && isError.GetBoolean(), called.RootElement.ToString());
            server.StandardInput.Close();
            await server.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }

        Assert.True(server.ExitCode == 0, await stderr);
        Assert.Empty(child.FilesInHome());
    }

    /// <summary>
    /// The edge app references the runtime library only and has no telemetry code of its own, so this is the library's
    /// default at work. It runs the framework-dependent build (<c>dotnet edge-predict.dll</c>): the self-contained,
    /// trimmed publish of publish.sh needs the linux-x64 runtime pack downloaded and a trimming pass, too slow for CI.
    /// </summary>
    [Fact]
    public void EdgeApp_LeavesNothingInHome()
    {
        using var child = new IsolatedChildProcess(IsolatedChildProcess.EdgePredictAssemblyPath);

        var run = child.Run(model.ModelDirectory, "the movie was great");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^(neg|neu|pos)\t", run.Output);
        Assert.Empty(child.FilesInHome());
    }

    /// <summary>The address serve prints once it listens (port 0 binds a free port).</summary>
    private static async Task<Uri> ListeningAddressAsync(System.Diagnostics.Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (ServingLine().Match(line) is { Success: true } match) return new Uri(match.Groups[1].Value + "/");
        }
        throw new InvalidOperationException($"serve exited before listening (exit code {server.ExitCode})");
    }

    [GeneratedRegex(@"^serving .* on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ServingLine();
}
