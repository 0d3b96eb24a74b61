using System.Net;
using System.Net.Sockets;
using System.Text;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// The answers a probe of the service found wrong: client bytes that are not text, whitespace-only inputs, bodiless
/// 404/405s, 401s counted under no endpoint, and start-up failures reported as stack traces.
/// </summary>
public sealed class ServingWrongAnswersTests : IAsyncLifetime
{
    private const string Key = "test-key";
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() => _server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [Key]));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<HttpResponseMessage> PostBytesAsync(byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Authorization = new("Bearer", Key);
        return await _server.Client.SendAsync(request);
    }

    [Theory]
    [InlineData("""{"inputs":"\ud83d"}""", "\"inputs\" is not valid Unicode text")]               // a lone high surrogate
    [InlineData("""{"inputs":["fine","\udc00 low"]}""", "inputs[1] is not valid Unicode text")]   // a lone low surrogate
    [InlineData("""{"inputs":[["\ud800"]]}""", "inputs[0] is not valid Unicode text")]            // TEI's nested form
    [InlineData("""{"in\ud800puts":"x"}""", "a property name that is not valid Unicode text")]   // found by HttpFuzzTests
    public async Task LoneSurrogatesAre400WithAJsonBody(string body, string expected)
    {
        using var response = await PostBytesAsync(Encoding.UTF8.GetBytes(body));

        Assert.Contains(expected, await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "validation"));
    }

    [Theory]
    [InlineData("{\"inputs\":\"good \xFF\"}")]     // a raw 0xFF inside the string
    [InlineData("{\"inputs\":\"good\"}\xFF")]      // after the document
    [InlineData("\xFF\xFE{\"inputs\":\"x\"}")]     // a UTF-16 byte-order mark
    [InlineData("{\"inputs\":\"\xC3\"}")]          // a UTF-8 sequence cut short
    public async Task BytesThatAreNotUtf8Are400WithAJsonBody(string latin1)
    {
        using var response = await PostBytesAsync(Encoding.Latin1.GetBytes(latin1));

        await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "validation");
    }

    [Theory]
    [InlineData("""{"inputs":"   "}""", "\"inputs\" is only whitespace")]
    [InlineData("""{"inputs":["good","\t\n "]}""", "inputs[1] is only whitespace")]
    [InlineData("""{"inputs":""}""", "\"inputs\" is an empty string")]
    public async Task WhitespaceOnlyInputsAreEmptyLikeEmptyOnes(string body, string expected)
    {
        using var response = await PostBytesAsync(Encoding.UTF8.GetBytes(body));

        Assert.Equal(expected, await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "empty"));
    }

    /// <summary>An input the model's tokenizer makes no token of was answered 200, scored from [CLS] and [SEP] alone.</summary>
    [Theory]
    [InlineData("""{"inputs":"\u200b"}""", "\"inputs\" has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)")]
    [InlineData("""{"inputs":["good","\u0000","\u0007"]}""", "inputs[1] has nothing to classify: it holds only control characters, which the tokenizer drops (U+0000)")]
    public async Task InputsOfOnlyCharactersTheTokenizerDropsAreRefusedLikeEmptyOnes(string body, string expected)
    {
        using var response = await PostBytesAsync(Encoding.UTF8.GetBytes(body));

        Assert.Equal(expected, await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "empty"));
    }

    [Fact]
    public async Task UnknownPathIs404WithAJsonBody()
    {
        using var response = await _server.GetAsync("/nope", Key);

        Assert.Contains("/nope", await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found"));
    }

    [Fact]
    public async Task WrongMethodIs405WithAJsonBody()
    {
        using var response = await _server.GetAsync("/predict", Key);

        Assert.Contains("GET is not allowed on /predict; allowed: POST",
            await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed"));
    }

    [Fact]
    public async Task RefusedRequestsAreCountedUnderTheEndpointTheyAskedFor()
    {
        using (await _server.PostJsonAsync("/predict", """{"inputs":"good"}""")) { }
        using (await _server.GetAsync("/info")) { }

        var metrics = await Eventually.ReturnsAsync(async () =>
        {
            using var response = await _server.GetAsync("/metrics", Key);
            return await response.Content.ReadAsStringAsync();
        }, t => t.Contains("endpoint=\"/info\",status=\"401\"}"));

        Assert.Contains("ortagent_http_requests_total{endpoint=\"/predict\",status=\"401\"} 1", metrics);
        Assert.Contains("ortagent_http_requests_total{endpoint=\"/info\",status=\"401\"} 1", metrics);
        Assert.DoesNotContain("endpoint=\"unmatched\"", metrics);
    }
}
