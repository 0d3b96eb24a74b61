using System.Diagnostics;
using ModelContextProtocol.Client;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// Starts the built CLI (<c>dotnet ortagent.dll mcp ...</c>) as a real child process: through the SDK's stdio client,
/// or bare, for tests that speak JSON-RPC over its stdin and stdout themselves.
/// </summary>
internal static class OrtAgentMcpProcess
{
    /// <summary>The CLI copied beside the tests by the project reference.</summary>
    public static string CliPath => Path.Combine(AppContext.BaseDirectory, "ortagent.dll");

    /// <summary>
    /// Connects an SDK client to a new <c>ortagent mcp</c> process. <paramref name="protocolVersion"/> null lets the
    /// client open with the newest revision (<c>server/discover</c>); a date makes it an older client that opens with
    /// <c>initialize</c>. <paramref name="stderr"/> collects the server's stderr lines.
    /// </summary>
    public static async Task<McpClient> ConnectAsync(string[] mcpArguments, string? protocolVersion = null, List<string>? stderr = null)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "ortagent-mcp-under-test",
            Command = "dotnet",
            Arguments = [CliPath, "mcp", "--threads", "1", .. mcpArguments],
            StandardErrorLines = line =>
            {
                if (stderr is null) return;
                lock (stderr) stderr.Add(line);
            },
            // How long the client waits, once it closed stdin, for the server to exit before it kills it: the server's
            // own stop waits for a running job's checkpoint up to the host's 30 s, so a bound shorter than that killed a
            // server still checkpointing on a loaded machine, and the job was left without its stop recorded.
            ShutdownTimeout = TimeSpan.FromSeconds(60),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        return await McpClient.CreateAsync(transport, McpTestClients.Options(protocolVersion), cancellationToken: timeout.Token);
    }

    /// <summary>Starts <c>ortagent mcp</c> with redirected stdin, stdout and stderr and no client attached.</summary>
    public static Process StartBare(params string[] mcpArguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[CliPath, "mcp", "--threads", "1", .. mcpArguments]) start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
