using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Mcp;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

public sealed class McpCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// As <c>serve --fine-tuning</c> warns (ServeCommandTests.AStoreOtherUsersCanEnterIsWarnedOfAtStart): a store other
    /// users may enter is warned of on stderr, with its mode and the remedy, and left as it is; stdout stays JSON-RPC's.
    /// </summary>
    [Theory]
    [InlineData(0b111_101_101, "rwxr-xr-x")]
    [InlineData(0b111_000_000, null)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AStoreOtherUsersCanEnterIsWarnedOfOnStderr(int mode, string? shown)
    {
        string store = _work.Combine("store");
        Directory.CreateDirectory(store);
        File.SetUnixFileMode(store, (UnixFileMode)mode);
        var server = new RecordingServer();

        var run = await CliRun.RunAsync(["mcp", "--fine-tuning", "--store", store], configureServices: services => services.AddSingleton<IMcpStdioServer>(server));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(server.Ran);
        Assert.Equal(shown is null ? [] : [$"warning: --store {store} is open to other users of this machine ({shown}): they can read its uploaded training data, "
            + $"database and models; make it yours alone with chmod 700 {store}"], run.ErrorLines);
        Assert.Equal((UnixFileMode)mode, File.GetUnixFileMode(store));
    }

    private sealed class RecordingServer : IMcpStdioServer
    {
        public bool Ran { get; private set; }

        public Task RunAsync(McpStdioRequest request, CancellationToken cancellationToken)
        {
            Ran = true;
            return Task.CompletedTask;
        }
    }
}
