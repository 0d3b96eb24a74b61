using System.ClientModel;
using System.Net;
using System.Text;
using OrtAgent.Tests.FineTuningService;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// Every answer of <c>serve</c> and <c>serve --fine-tuning</c> carries <c>x-request-id</c>, OpenAI's <c>req_</c> and 32 hex
/// digits, a new one per request, refusals and <c>/health</c> included; OpenAI's .NET library shows it on a result and
/// on an error, and the request's log line names it.
/// </summary>
public sealed class RequestIdTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private const string RequestIdPattern = "^req_[0-9a-f]{32}$";

    /// <summary>The request's id, asserted to be there once and in OpenAI's form.</summary>
    internal static string RequestIdOf(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("x-request-id", out var values), $"{(int)response.StatusCode} without x-request-id");
        var id = Assert.Single(values);
        Assert.Matches(RequestIdPattern, id);
        return id;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, string? body = null, string mediaType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, mediaType);
        return request;
    }

    [Fact]
    public async Task EveryAnswerOfServeCarriesANewRequestIdThatItsLogLineNames()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: ["key"]));
        var ids = new List<string>();
        foreach (var (request, status) in new (HttpRequestMessage, HttpStatusCode)[]
                 {
                     (Request(HttpMethod.Get, "/health", null), HttpStatusCode.OK),
                     (Request(HttpMethod.Post, "/predict", null, """{"inputs": "good"}"""), HttpStatusCode.Unauthorized),
                     (Request(HttpMethod.Get, "/nowhere", "key"), HttpStatusCode.NotFound),
                     (Request(HttpMethod.Get, "/predict", "key"), HttpStatusCode.MethodNotAllowed),
                     (Request(HttpMethod.Post, "/predict", "key", "good", "text/plain"), HttpStatusCode.UnsupportedMediaType),
                     (Request(HttpMethod.Post, "/predict", "key", """{"inputs": "good"}"""), HttpStatusCode.OK),
                 })
        {
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
            ids.Add(RequestIdOf(response));
        }
        Assert.Equal(ids.Count, ids.Distinct().Count());

        // The 404's log line names the id its client was given.
        var lines = await Eventually.ReturnsAsync(() => Task.FromResult(server.Logs.Lines.Where(l => l.Contains("RequestTelemetry")).ToArray()),
            l => l.Any(line => line.Contains("/nowhere 404")));
        Assert.Contains(ids[2], lines.Single(line => line.Contains("/nowhere 404")));
    }

    [Fact]
    public async Task EveryAnswerOfTheFineTuningServiceCarriesANewRequestId()
    {
        var service = fixture.Service;
        var ids = new List<string>();
        foreach (var (request, status) in new (HttpRequestMessage, HttpStatusCode)[]
                 {
                     (Request(HttpMethod.Get, "/health", null), HttpStatusCode.OK),
                     (Request(HttpMethod.Get, "/v1/models", "wrong-key"), HttpStatusCode.Unauthorized),
                     (Request(HttpMethod.Get, "/v1/nowhere", ServiceUnderTest.ApiKey), HttpStatusCode.NotFound),
                     (Request(HttpMethod.Put, "/v1/files", ServiceUnderTest.ApiKey), HttpStatusCode.MethodNotAllowed),
                     (Request(HttpMethod.Post, "/predict", ServiceUnderTest.ApiKey, "good", "text/plain"), HttpStatusCode.UnsupportedMediaType),
                     (Request(HttpMethod.Post, "/v1/fine_tuning/jobs", ServiceUnderTest.ApiKey, "{}"), HttpStatusCode.BadRequest),
                     (Request(HttpMethod.Get, "/v1/models", ServiceUnderTest.ApiKey), HttpStatusCode.OK),
                 })
        {
            using (request)
            using (var response = await service.Http.SendAsync(request))
            {
                Assert.Equal(status, response.StatusCode);
                ids.Add(RequestIdOf(response));
            }
        }

        // As OpenAI's .NET library shows it: on a result, and on the error a refusal throws.
        var models = await service.OpenAI.GetOpenAIModelClient().GetModelsAsync();
        Assert.True(models.GetRawResponse().Headers.TryGetValue("x-request-id", out var listed));
        ids.Add(listed!);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => service.OpenAI.GetOpenAIModelClient().GetModelAsync("no-such-model"));
        Assert.Equal(404, refused.Status);
        Assert.True(refused.GetRawResponse()!.Headers.TryGetValue("x-request-id", out var refusedId));
        ids.Add(refusedId!);

        Assert.All(ids, id => Assert.Matches(RequestIdPattern, id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
