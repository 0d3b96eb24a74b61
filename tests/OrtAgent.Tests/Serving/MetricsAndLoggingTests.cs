using System.Net;

namespace OrtAgent.Tests.Serving;

/// <summary>/metrics exports the named Prometheus families; the log has one line per request and no request content.</summary>
public sealed class MetricsAndLoggingTests
{
    [Fact]
    public async Task MetricsExposeRequestsLatencyBatchSizeAndQueueDepth()
    {
        await using var server = await ServerUnderTest.StartAsync();
        await server.PredictTopLabelAsync("good");
        await server.PredictTopLabelAsync("bad");
        using (await server.PostJsonAsync("/predict", "{}")) { }

        string? contentType = null;
        var text = await Eventually.ReturnsAsync(async () =>
        {
            using var response = await server.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            contentType = response.Content.Headers.ContentType!.ToString();
            return await response.Content.ReadAsStringAsync();
        }, t => t.Contains("status=\"400\"} 1"));

        Assert.StartsWith("text/plain", contentType);
        Assert.Contains("# TYPE ortagent_http_requests_total counter", text);
        Assert.Contains("ortagent_http_requests_total{endpoint=\"/predict\",status=\"200\"} 2", text);
        Assert.Contains("ortagent_http_requests_total{endpoint=\"/predict\",status=\"400\"} 1", text);
        Assert.Contains("# TYPE ortagent_http_request_duration_seconds histogram", text);
        Assert.Contains("ortagent_http_request_duration_seconds_bucket{endpoint=\"/predict\",le=", text);
        Assert.Contains("# TYPE ortagent_batch_size histogram", text);
        Assert.Contains("ortagent_batch_size_count 2", text);
        Assert.Contains("# TYPE ortagent_queue_depth gauge", text);
        Assert.Contains("ortagent_queue_depth 0", text);
    }

    /// <summary>A method a route does not take is a request to that endpoint, not to an unknown path.</summary>
    [Fact]
    public async Task AMethodARouteDoesNotTakeIsCountedUnderThatRoute()
    {
        await using var server = await ServerUnderTest.StartAsync();
        using (var wrongMethod = await server.GetAsync("/predict"))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        using (var unknown = await server.GetAsync("/nowhere"))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var text = await Eventually.ReturnsAsync(async () =>
        {
            using var response = await server.GetAsync("/metrics");
            return await response.Content.ReadAsStringAsync();
        }, t => t.Contains("status=\"405\"} 1") && t.Contains("status=\"404\"} 1"));

        Assert.Contains("ortagent_http_requests_total{endpoint=\"/predict\",status=\"405\"} 1", text);
        Assert.Contains("ortagent_http_requests_total{endpoint=\"unmatched\",status=\"404\"} 1", text);
    }

    /// <summary>The MCP SDK maps /mcp in a route group, whose pattern read "/mcp/": the metrics name it as it is called.</summary>
    [Fact]
    public async Task McpRequestsAreCountedUnderMcpWithoutATrailingSlash()
    {
        await using var server = await ServerUnderTest.StartAsync();
        using (var get = await server.GetAsync("/mcp"))
            Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);

        var text = await Eventually.ReturnsAsync(async () =>
        {
            using var response = await server.GetAsync("/metrics");
            return await response.Content.ReadAsStringAsync();
        }, t => t.Contains("status=\"400\"} 1"));

        Assert.Contains("ortagent_http_requests_total{endpoint=\"/mcp\",status=\"400\"} 1", text);
        Assert.DoesNotContain("endpoint=\"/mcp/\"", text);
    }

    /// <summary>The path is logged decoded: a CR or an escape sequence in it forged a log line or rewrote the terminal.</summary>
    [Fact]
    public async Task ControlCharactersInAPathAreLoggedEscaped()
    {
        await using var server = await ServerUnderTest.StartAsync();
        using (var response = await server.GetAsync("/predict%0Dinfo:%20forged%1B%5BK%E2%80%AEtxt"))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var lines = await Eventually.ReturnsAsync(
            () => Task.FromResult(server.Logs.Lines.Where(l => l.Contains("RequestTelemetry")).ToArray()),
            l => l.Length >= 1);

        var line = Assert.Single(lines);
        Assert.Matches(@"GET /predict\\x0Dinfo: forged\\x1B\[K\\u202Etxt 404 \d+\.\d\d ms", line);
        Assert.DoesNotContain(line, c => char.IsControl(c) || c == '\u202E');
        // A backslash is doubled, so that no escape in the log can be the client's own text.
        Assert.Equal(@"/a\\x0Db\x0A", OrtAgent.Serving.RequestTelemetry.Escaped("/a\\x0Db\n"));
    }

    [Fact]
    public async Task EachRequestLogsOneLineWithStatusAndDurationButNotItsBody()
    {
        await using var server = await ServerUnderTest.StartAsync();
        await server.PredictTopLabelAsync("the wonderful pasta");
        using (await server.PostJsonAsync("/predict", """{"inputs": 42, "note": "private words"}""")) { }

        var lines = await Eventually.ReturnsAsync(
            () => Task.FromResult(server.Logs.Lines.Where(l => l.Contains("RequestTelemetry")).ToArray()),
            l => l.Length >= 2);

        Assert.True(2 == lines.Length, string.Join("\n", server.Logs.Lines));
        Assert.Matches(@"POST /predict 200 \d+\.\d\d ms", lines[0]);
        Assert.Matches(@"POST /predict 400 \d+\.\d\d ms", lines[1]);
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("pasta") || l.Contains("private words"));
    }
}
