using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A fault no handler turns into an answer (here the model itself throws) is still a 500 with an error body and the
/// request's <c>x-request-id</c>, which the logged error names: left to Kestrel, that 500 had an empty body and no id.
/// </summary>
public sealed class UnhandledFaultAnswerTests
{
    private sealed class FailingModel : IBatchPredictor
    {
        public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts) => throw new InvalidOperationException("the model broke");
    }

    [Fact]
    public async Task AFaultNoHandlerAnsweredIsA500WithTheRequestIdInItsHeaderItsBodyAndTheLog()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir),
            beforeStart: app => app.Services.GetRequiredService<BatchPredictorSeam>().Wrap = _ => new FailingModel());

        using var response = await server.PostJsonAsync("/predict", """{"inputs": "the movie was great"}""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var id = RequestIdTests.RequestIdOf(response);
        var error = (await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync())).RootElement;
        Assert.Contains(id, error.GetRawText());
        var lines = await Eventually.ReturnsAsync(() => Task.FromResult(server.Logs.Lines.ToArray()),
            l => l.Any(line => line.Contains("/predict failed") && line.Contains(id)));
        Assert.Contains(lines, line => line.Contains("the model broke"));
    }
}
