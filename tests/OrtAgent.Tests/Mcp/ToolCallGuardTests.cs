using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
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
        Assert.Equal("Information OrtAgent.Mcp.ToolCallGuard: explain_text was cancelled before it finished: the client cancelled it, or the server is stopping",
            Assert.Single(logs.Lines));
    }

    /// <summary>
    /// Over streamable HTTP the SDK did not cancel a call whose POST the client hung up: the tool's token is cancelled
    /// with the request's, and the line says the client hung up.
    /// </summary>
    [Fact]
    public async Task ACallWhoseRequestIsAbortedIsCancelledAndSaysTheClientHungUp()
    {
        var logs = new RecordingLoggerProvider();
        using var aborted = new CancellationTokenSource();
        var request = new HttpContextAccessor { HttpContext = new DefaultHttpContext { RequestAborted = aborted.Token } };
        await using var services = new ServiceCollection().AddLogging(logging => logging.AddProvider(logs))
            .AddSingleton<IHttpContextAccessor>(request).BuildServiceProvider();
        await using var server = McpServer.Create(new StreamServerTransport(new Pipe().Reader.AsStream(), new Pipe().Writer.AsStream()), new McpServerOptions(), serviceProvider: services);
        var context = new RequestContext<CallToolRequestParams>(server, new JsonRpcRequest { Method = RequestMethods.ToolsCall }, new CallToolRequestParams { Name = "explain_text" })
        {
            Services = services,
        };

        var result = await ToolCallGuard.Create(async (_, cancellationToken) =>
        {
            aborted.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            return new CallToolResult();
        })(context, CancellationToken.None);

        Assert.True(result.IsError);
        Assert.Equal("Information OrtAgent.Mcp.ToolCallGuard: explain_text was cancelled before it finished: the client hung up", Assert.Single(logs.Lines));
    }
}
