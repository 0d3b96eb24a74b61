using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrtAgent.Tests.FineTuningService.FineTuningErrorTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// Requests no endpoint takes: an OpenAI path without <c>/v1</c>, an unknown path, another method, a wrong key. Each is
/// answered in the body its client reads (OpenAI's envelope on OpenAI's paths, serve's on serve's), saying what there is.
/// </summary>
public sealed class FineTuningRouteErrorTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private HttpClient Http => fixture.Service.Http;

    /// <summary>
    /// A query parameter a /v1 route does not read was ignored (a misspelt ?limt=5 listed 20; ?model=x on /v1/models
    /// listed them all): it is a 400 unknown_parameter naming it and what the route takes, OpenAI's parameters for it.
    /// </summary>
    [Theory]
    [InlineData("GET", "/v1/models?model=x", "model", "none")]
    [InlineData("GET", "/v1/models/tiny?x=1", "x", "none")]
    [InlineData("DELETE", "/v1/models/tiny?force=true", "force", "none")]
    [InlineData("GET", "/v1/files?limt=5", "limt", "after, limit, order, purpose")]
    [InlineData("GET", "/v1/files/file-missing?purpose=fine-tune", "purpose", "none")]
    [InlineData("GET", "/v1/fine_tuning/jobs?order=asc", "order", "after, limit, metadata")]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-missing/events?order=asc", "order", "after, limit")]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-missing/checkpoints?before=x", "before", "after, limit")]
    [InlineData("POST", "/v1/fine_tuning/jobs/ftjob-missing/cancel?force=true", "force", "none")]
    [InlineData("POST", "/v1/chat/completions?stream=true", "stream", "none")]
    public async Task AQueryParameterAV1RouteDoesNotReadIs400NamingIt(string method, string url, string name, string takes)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, name);
        Assert.Equal($"unrecognized query parameter '{name}'; {method} {url[..url.IndexOf('?')]} takes {takes}", error.GetProperty("message").GetString());
        Assert.Equal("unknown_parameter", error.GetProperty("code").GetString());
    }

    /// <summary>The parameters a list takes are read whatever their case, as ASP.NET reads them, and are not refused.</summary>
    [Fact]
    public async Task AListsOwnQueryParametersAreTaken()
    {
        using var files = await Http.GetAsync("/v1/files?LIMIT=1&order=asc&purpose=fine-tune&after=");
        Assert.Equal(HttpStatusCode.OK, files.StatusCode);
        using var jobs = await Http.GetAsync("/v1/fine_tuning/jobs?limit=1&metadata[team]=x");
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
    }

    /// <summary>
    /// A client whose endpoint lacks /v1 asks for /fine_tuning/jobs: the 404 was serve's {"error": "..."}, which the
    /// OpenAI library cannot read ("Service request failed. Status: 404"); it is the envelope, saying where the route is.
    /// </summary>
    [Theory]
    [InlineData("GET", "/fine_tuning/jobs")]
    [InlineData("GET", "/fine_tuning/jobs/ftjob-x/events")]
    [InlineData("GET", "/files")]
    [InlineData("GET", "/models")]
    [InlineData("POST", "/chat/completions")]
    public async Task AnOpenAIRouteWithoutV1Is404SayingTheRoutesAreUnderV1(string method, string path)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var error = await AssertErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Equal($"no endpoint at {path}; the OpenAI routes are under /v1: /v1{path}", error.GetProperty("message").GetString());
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
    }

    /// <summary>
    /// A method the /v1 route does not take was pointed at that route, where it would be a 405; a path under an OpenAI
    /// root that no /v1 route maps was pointed at a /v1 path as missing. Each is told what there is.
    /// </summary>
    [Theory]
    [InlineData("DELETE", "/fine_tuning/jobs", "no endpoint at /fine_tuning/jobs; the OpenAI routes are under /v1, where /v1/fine_tuning/jobs takes GET, HEAD, POST, not DELETE")]
    [InlineData("PUT", "/models/x", "no endpoint at /models/x; the OpenAI routes are under /v1, where /v1/models/x takes DELETE, GET, HEAD, not PUT")]
    [InlineData("GET", "/files/x/y/z", "no endpoint at /files/x/y/z; see ")]
    public async Task AnOpenAIPathWithoutV1IsPointedOnlyAtARouteThatTakesItsMethod(string method, string path, string message)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var error = await AssertErrorAsync(response, HttpStatusCode.NotFound);
        Assert.StartsWith(message, error.GetProperty("message").GetString());
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
    }

    /// <summary>
    /// Small refusals that were out of line with the rest: <c>?order=DESC</c> was a 400 with <c>"code": null</c>, and a
    /// parameter given twice (<c>?limit=1&amp;limit=2</c>) was read as its first value without a word.
    /// </summary>
    [Fact]
    public async Task AWrongOrderAndARepeatedParameterAreRefusedWithACode()
    {
        var order = await AssertErrorAsync(await Http.GetAsync("/v1/files?order=DESC"), HttpStatusCode.BadRequest, "order");
        Assert.Equal("invalid_value", order.GetProperty("code").GetString());
        Assert.Equal("order must be 'asc' or 'desc', not 'DESC'", order.GetProperty("message").GetString());

        var repeated = await AssertErrorAsync(await Http.GetAsync("/v1/files?limit=1&limit=2"), HttpStatusCode.BadRequest, "limit");
        Assert.Equal("invalid_value", repeated.GetProperty("code").GetString());
        Assert.Equal("the query gives 'limit' 2 times; give it once", repeated.GetProperty("message").GetString());
        await AssertErrorAsync(await Http.GetAsync("/v1/fine_tuning/jobs?after=a&after=b"), HttpStatusCode.BadRequest, "after");
    }

    /// <summary>
    /// A request with no Authorization header was told "Incorrect API key provided", which sent its sender looking for a
    /// wrong key it never sent; OpenAI says "You didn't provide an API key".
    /// </summary>
    [Fact]
    public async Task AMissingKeyIsSaidToBeMissing()
    {
        using var client = new HttpClient { BaseAddress = fixture.Service.BaseAddress };
        var error = await AssertErrorAsync(await client.GetAsync("/v1/files"), HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.StartsWith("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth", error.GetProperty("message").GetString());

        using var servePath = await client.PostAsJsonAsync("/predict", new { inputs = "good" });
        Assert.Equal(HttpStatusCode.Unauthorized, servePath.StatusCode);
        Assert.Equal("no API key was sent: send 'Authorization: Bearer <key>'", (await servePath.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // A header that carries no Bearer key (the scheme alone, or another scheme) sends none either.
        foreach (var header in new[] { "Bearer", "Bearer   ", "Basic " + ServiceUnderTest.ApiKey })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/files");
            request.Headers.TryAddWithoutValidation("Authorization", header);
            var keyless = await AssertErrorAsync(await client.SendAsync(request), HttpStatusCode.Unauthorized);
            Assert.StartsWith("You didn't provide an API key.", keyless.GetProperty("message").GetString());
        }
    }

    /// <summary>
    /// A wrong key on a path without /v1 was a 401 in serve's {"error", "error_type"}, while the 404 the same client
    /// gets there with a right key is OpenAI's envelope, the one body its SDK reads. serve's own routes keep serve's body.
    /// </summary>
    [Fact]
    public async Task AWrongKeyOnAPathWithoutV1IsA401InTheEnvelopeItsClientReads()
    {
        using var openAIPath = new HttpRequestMessage(HttpMethod.Get, "/fine_tuning/jobs");
        openAIPath.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong-key");
        using var refused = await Http.SendAsync(openAIPath);
        var error = await AssertErrorAsync(refused, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.StartsWith("Incorrect API key provided", error.GetProperty("message").GetString());

        using var servePath = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = JsonContent.Create(new { inputs = "good" }) };
        servePath.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong-key");
        using var refusedOnServesRoute = await Http.SendAsync(servePath);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedOnServesRoute.StatusCode);
        Assert.Equal("unauthorized", (await refusedOnServesRoute.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString());
    }

    /// <summary>
    /// A path spelt with empty segments, which no route answers, was taken for the route it spells with them removed
    /// (<c>//v1//files</c> for <c>/v1/files</c>, a path with an endpoint): its 401 for a wrong key (or none) and its 404 with the right one came
    /// in serve's body. Like every path without an endpoint on this server, both are OpenAI's envelope.
    /// </summary>
    [Theory]
    [InlineData("//v1//files")]
    [InlineData("//v1/files")]
    [InlineData("/v1/fine_tuning//jobs")]
    [InlineData("//predict")]
    public async Task APathWithEmptySegmentsIsAnsweredInTheEnvelope(string path)
    {
        // Written out whole: a relative "//v1" would name a host.
        var url = new Uri(Http.BaseAddress!.GetLeftPart(UriPartial.Authority) + path);
        Assert.Equal(path, url.AbsolutePath);

        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, url);
        wrongKey.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong-key");
        var refused = await AssertErrorAsync(await Http.SendAsync(wrongKey), HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_api_key", refused.GetProperty("code").GetString());

        var missing = await AssertErrorAsync(await Http.GetAsync(url), HttpStatusCode.NotFound);
        Assert.Equal("unknown_url", missing.GetProperty("code").GetString());
        Assert.StartsWith($"no endpoint at {path}; see ", missing.GetProperty("message").GetString());
    }

    [Fact]
    public async Task TheOpenAILibraryWithoutV1InItsEndpointReadsWhereTheRoutesAre()
    {
        var client = new OpenAI.OpenAIClient(new System.ClientModel.ApiKeyCredential(ServiceUnderTest.ApiKey), new OpenAI.OpenAIClientOptions
        {
            Endpoint = fixture.Service.BaseAddress,
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
        });

        var error = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => client.GetChatClient("tiny").CompleteChatAsync("hello"));
        Assert.Equal(404, error.Status);
        Assert.Contains("no endpoint at /chat/completions; the OpenAI routes are under /v1: /v1/chat/completions", error.Message);
    }

    /// <summary>
    /// What ASP.NET refuses itself is answered in the body of the path's clients: a JSON-RPC error on /mcp (it was
    /// serve's {"error": "..."}), and under /v1 OpenAI's envelope: a path without an endpoint is its 404 unknown_url.
    /// </summary>
    [Fact]
    public async Task RefusalsBeforeAnyEndpointKeepThePathsErrorBody()
    {
        using var wrongMethod = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/mcp"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        var rpc = await wrongMethod.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("2.0", rpc.GetProperty("jsonrpc").GetString());
        Assert.Equal("PUT is not allowed on /mcp; allowed: DELETE, GET, POST", rpc.GetProperty("error").GetProperty("message").GetString());

        var deeper = await AssertErrorAsync(await Http.GetAsync("/v1/fine_tuning/jobs/x/nosuch"), HttpStatusCode.NotFound);
        Assert.Equal("unknown_url", deeper.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", deeper.GetProperty("type").GetString());
        // The same code as plain serve gives under /v1 (EmptyErrorBodiesTests), with the type OpenAI gives an unknown URL.
        var unknown = await AssertErrorAsync(await Http.GetAsync("/v1/nosuch"), HttpStatusCode.NotFound);
        Assert.Equal("unknown_url", unknown.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", unknown.GetProperty("type").GetString());
        var job = await AssertErrorAsync(await Http.GetAsync("/v1/fine_tuning/jobs/ftjob-missing"), HttpStatusCode.NotFound, "fine_tuning_job_id");
        Assert.Equal("job_not_found", job.GetProperty("code").GetString());
    }

    /// <summary>
    /// A known /v1 path asked with another method was the fallback's 404 unknown_url (a /v1 catch-all matched every
    /// method), telling a client the endpoint does not exist; it is the 405 method_not_allowed in OpenAI's envelope,
    /// with Allow naming the methods the path takes.
    /// </summary>
    [Theory]
    [InlineData("PUT", "/v1/files", "GET, HEAD, POST")]
    [InlineData("PATCH", "/v1/files/file-x", "DELETE, GET, HEAD")]
    [InlineData("POST", "/v1/files/file-x/content", "GET, HEAD")]
    [InlineData("DELETE", "/v1/fine_tuning/jobs", "GET, HEAD, POST")]
    [InlineData("PUT", "/v1/fine_tuning/jobs/ftjob-x", "GET, HEAD")]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-x/cancel", "POST")]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-x/pause", "POST")]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-x/resume", "POST")]
    [InlineData("POST", "/v1/fine_tuning/jobs/ftjob-x/events", "GET, HEAD")]
    [InlineData("POST", "/v1/fine_tuning/jobs/ftjob-x/checkpoints", "GET, HEAD")]
    [InlineData("POST", "/v1/models", "GET, HEAD")]
    [InlineData("POST", "/v1/models/ft:tiny::ftjob-x", "DELETE, GET, HEAD")]
    [InlineData("GET", "/v1/chat/completions", "POST")]
    public async Task AnotherMethodOnAKnownPathIs405NamingTheAllowedOnes(string method, string path, string allowed)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var error = await AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(allowed, string.Join(", ", response.Content.Headers.Allow.Order(StringComparer.Ordinal)));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("method_not_allowed", error.GetProperty("code").GetString());
        Assert.Equal($"{method} is not allowed on {path}; allowed: {string.Join(", ", response.Content.Headers.Allow)}", error.GetProperty("message").GetString());
    }
}
