using System.IO.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrtAgent.Mcp;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Mcp;

/// <summary><see cref="ToolCallGuard"/> around a tool that stands in for one, on a server that is never run.</summary>
public sealed class ToolCallGuardTests
{
    /// <summary>
    /// Ctrl+C during an explain_text call (or the client cancelling it) logged a warning with the
    /// OperationCanceledException's whole stack trace; it is one information line, and the call a tool error.
    /// </summary>
    [Fact]
    public async Task ACallCancelledWhileItRunsIsOneInformationLineAndAToolError()
    {
        var logs = new RecordingLoggerProvider();
        await using var services = new ServiceCollection().AddLogging(logging => logging.AddProvider(logs)).BuildServiceProvider();
        var input = new Pipe();
        var output = new Pipe();
        await using var server = McpServer.Create(new StreamServerTransport(input.Reader.AsStream(), output.Writer.AsStream()), new McpServerOptions(), serviceProvider: services);
        var context = new RequestContext<CallToolRequestParams>(server, new JsonRpcRequest { Method = RequestMethods.ToolsCall }, new CallToolRequestParams { Name = "explain_text" })
        {
            Services = services,
        };
        using var stopping = new CancellationTokenSource();
        stopping.Cancel();

        var result = await ToolCallGuard.Create((_, cancellationToken) => throw new OperationCanceledException("the explanation was cancelled", cancellationToken))(context, stopping.Token);

        Assert.True(result.IsError);
        Assert.Equal("the call was cancelled: the server is stopping, or the client cancelled it", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal("Information OrtAgent.Mcp.ToolCallGuard: explain_text was cancelled before it finished", Assert.Single(logs.Lines));
    }
}
