using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// A client cancelling <c>explain_text</c> over <c>/mcp</c>: the call gives its place in the server's explanation queue
/// back, and the next call is answered. The SDK's client, cancelled while it reads the answer of its POST, aborts the
/// POST and sends no <c>notifications/cancelled</c>; in a session (2025-11-25) the server's SDK went on with the call
/// (its place stayed taken for 30 s and more), while without one (2026-07-28) the SDK's per-request server ends with the POST.
/// </summary>
public sealed class McpExplainCancellationTests
{
    private const string Key = "mcp-cancel-key-5e02";
    private static readonly Dictionary<string, object?> Arguments = new() { ["text"] = "the movie was great" };

    /// <summary>
    /// The test holds the running place itself (a stand-in for a long explanation, so no timing decides), the call
    /// waits its turn in the second place, and the client cancels it.
    /// </summary>
    [Theory]
    [InlineData("2025-11-25")]
    [InlineData(null)]
    public async Task ACancelledCallGivesItsPlaceBackAndTheNextCallIsAnswered(string? protocolVersion)
    {
        await using var server = await ServerUnderTest.StartAsync(dir =>
        {
            ModelExporter.AddExplainGraph(dir);
            return ServerUnderTest.Options(dir, apiKeys: [Key], maxExplanationsInFlight: 2);
        });
        await using var client = await McpTestClients.ConnectHttpAsync(server.BaseAddress, Key, protocolVersion);
        var queue = server.App.Services.GetRequiredService<ExplanationQueue>();
        Assert.True(queue.TryEnter());
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = queue.RunAsync(() => release.Task, CancellationToken.None);
        try
        {
            using var cancel = new CancellationTokenSource();
            var call = client.CallToolAsync("explain_text", Arguments, cancellationToken: cancel.Token).AsTask();
            Assert.Equal(2, await Eventually.ReturnsAsync(() => Task.FromResult(queue.Admitted), n => n == 2, TimeSpan.FromSeconds(30)));

            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            Assert.Equal(1, await Eventually.ReturnsAsync(() => Task.FromResult(queue.Admitted), n => n == 1, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            release.SetResult(0);
            await running;
            queue.Leave();
        }
        var explained = await client.CallAsync("explain_text", Arguments);
        Assert.Equal("great", Assert.Single(explained.GetProperty("words_for").EnumerateArray()).GetProperty("word").GetString());
        // Written once the cancelled call has left the queue, which the test does not wait for.
        Assert.Single(await Eventually.ReturnsAsync(
            () => Task.FromResult(server.Logs.Lines.Where(l => l.Contains("explain_text was cancelled before it finished")).ToArray()),
            lines => lines.Length > 0, TimeSpan.FromSeconds(30)));
    }

    /// <summary>
    /// A call cancelled with <c>notifications/cancelled</c> in a session: the SDK sends no answer for it, and its POST's
    /// event stream stayed open until the session ended (a stopping server waited out its shutdown timeout for it). It ends.
    /// </summary>
    [Fact]
    public async Task ACallCancelledByNotificationEndsItsPost()
    {
        await using var server = await ServerUnderTest.StartAsync(dir =>
        {
            ModelExporter.AddExplainGraph(dir);
            return ServerUnderTest.Options(dir, maxExplanationsInFlight: 2);
        });
        var queue = server.App.Services.GetRequiredService<ExplanationQueue>();
        using var opened = await server.Client.SendAsync(McpPost(null,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"""));
        string session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        using (var initialized = await server.Client.SendAsync(McpPost(session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""")))
            Assert.Equal(HttpStatusCode.Accepted, initialized.StatusCode);
        Assert.True(queue.TryEnter());
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = queue.RunAsync(() => release.Task, CancellationToken.None);
        try
        {
            using var call = await server.Client.SendAsync(McpPost(session,
                """{"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"explain_text","arguments":{"text":"the movie was great"}}}"""),
                HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            Assert.Equal(2, await Eventually.ReturnsAsync(() => Task.FromResult(queue.Admitted), n => n == 2, TimeSpan.FromSeconds(30)));

            using (var cancelled = await server.Client.SendAsync(McpPost(session, """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}""")))
                Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);

            string events = await call.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.DoesNotContain("\"id\":99", events);
        }
        finally
        {
            release.SetResult(0);
            await running;
            queue.Leave();
        }
    }

    private static HttpRequestMessage McpPost(string? session, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, InferenceServer.McpPath) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }
        return request;
    }
}
