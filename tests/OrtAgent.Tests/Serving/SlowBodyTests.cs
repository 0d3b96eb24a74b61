using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A body sent too slowly: Kestrel throws its 408 to the endpoint reading the body, with a message that ends with a hint
/// to the server's developer ("See MinRequestBodyDataRate."), which was the client's message. Each route family now says
/// it in the client's terms, in its own body.
/// </summary>
public sealed class SlowBodyTests
{
    // Kestrel's message for RequestRejectionReason.RequestBodyTimeout, as a /predict client was answered it.
    private static BadHttpRequestException KestrelsRefusal() =>
        new("Reading the request body timed out due to data arriving too slowly. See MinRequestBodyDataRate.", StatusCodes.Status408RequestTimeout);

    private const string Expected = "the request body arrived too slowly, and the server stopped waiting for the rest of it; send the body faster, or in one piece";

    private static async Task<JsonElement> AnsweredAsync(RequestDelegate pipeline, string path)
    {
        var context = new DefaultHttpContext { Request = { Method = "POST", Path = path }, Response = { Body = new MemoryStream() } };

        await pipeline(context);

        Assert.Equal(StatusCodes.Status408RequestTimeout, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body).RootElement.Clone();
    }

    [Theory]
    [InlineData("/predict")]
    [InlineData("/explain")]
    public async Task ServesRoutesSayItInServesBody(string path)
    {
        var body = await AnsweredAsync(new EmptyErrorBodies(_ => throw KestrelsRefusal()).InvokeAsync, path);

        Assert.Equal(Expected, body.GetProperty("error").GetString());
        Assert.Equal("request_timeout", body.GetProperty("error_type").GetString());
    }

    [Fact]
    public async Task McpSaysItInAJsonRpcError()
    {
        var body = await AnsweredAsync(new EmptyErrorBodies(_ => throw KestrelsRefusal()).InvokeAsync, "/mcp");

        Assert.Equal(Expected, body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task TheOpenAIRoutesSayItInTheEnvelope()
    {
        // A /v1 route reads its body inside the envelope's handler; one outside it meets the middleware.
        foreach (var pipeline in new RequestDelegate[] { OpenAIErrorEnvelope.Handle(_ => throw KestrelsRefusal()), new EmptyErrorBodies(_ => throw KestrelsRefusal()).InvokeAsync })
        {
            var error = (await AnsweredAsync(pipeline, "/v1/chat/completions")).GetProperty("error");

            Assert.Equal(Expected, error.GetProperty("message").GetString());
            Assert.Equal("request_timeout", error.GetProperty("code").GetString());
        }
    }
}
