using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A request sent once the service has begun to stop is a 503 service_stopping with Retry-After, while a request in
/// flight finishes: Kestrel stopped listening as the stop began, so such a request met a refused connection, and the
/// service's own 503 reached only a request already inside once the models were disposed.
/// </summary>
public sealed class ServiceStoppingTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    [Fact]
    public async Task ARequestAfterTheStopBeginsIs503WhileTheOneInFlightFinishes()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel);

        // A chat completion whose body is half sent: in flight, its handler reading, when the stop begins.
        using var body = new HeldBody("""{"model": "ft:tiny::ftjob-missing", "messages": [""", """{"role": "user", "content": "great"}]}""");
        var inFlight = service.Http.PostAsync("/v1/chat/completions", body);
        await body.FirstPartSent.WaitAsync(TimeSpan.FromSeconds(30));
        var gate = service.App.Services.GetRequiredService<StoppingGate>();
        Assert.Equal(1, await Eventually.ReturnsAsync(() => Task.FromResult(gate.InFlight), inFlight => inFlight == 1, TimeSpan.FromSeconds(30)));

        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stopping = service.App.StopAsync(stopTimeout.Token);
        Assert.True(await Eventually.ReturnsAsync(() => Task.FromResult(gate.Stopping), stopping => stopping, TimeSpan.FromSeconds(30)));

        using (var refused = await service.Http.GetAsync("/v1/models"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
            var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("service_stopping", error.GetProperty("code").GetString());
            Assert.Equal("server_error", error.GetProperty("type").GetString());
        }
        using (var health = await service.Http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal("service_stopping", (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString());
        }
        Assert.False(stopping.IsCompleted);   // held for the request in flight

        body.SendTheRest();
        using var answered = await inFlight.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.NotFound, answered.StatusCode);   // handled in full: the model does not exist
        Assert.Equal("model_not_found", (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// The stop's wiring end to end: a chat completion waiting for a model slot (a bound of 1, the slot held by a
    /// request in flight) is answered 503 service_stopping as the host's stop begins, not once its 30 s wait ran out,
    /// which held the stop for as long.
    /// </summary>
    [Fact]
    public async Task ARequestWaitingForAModelSlotIs503AsTheStopBegins()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "slot-store"), _tiny.BaseModel, maxLoadedModels: 1);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var (_, inUse) = ServedModelsTests.AddFineTunedModel(store, "inuse");
        var (_, waiting) = ServedModelsTests.AddFineTunedModel(store, "waiting");
        var models = service.App.Services.GetRequiredService<ServedModels>();
        var held = await models.AcquireAsync(inUse);   // as a request answering on it holds it

        var chat = service.Http.PostAsJsonAsync("/v1/chat/completions", new { model = waiting, messages = new[] { new { role = "user", content = "the movie was great" } } });
        Assert.Equal(1, await Eventually.ReturnsAsync(() => Task.FromResult(models.LoadsWaitingForASlot), count => count == 1, TimeSpan.FromSeconds(30)));
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stopping = service.App.StopAsync(stopTimeout.Token);

        using var refused = await chat.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("service_stopping", error.GetProperty("code").GetString());
        Assert.Equal($"the service is stopping; model '{waiting}' is not served until it is back", error.GetProperty("message").GetString());
        held.Served.Release();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A JSON body sent in two parts, the second when the test says.</summary>
    private sealed class HeldBody : HttpContent
    {
        private readonly string _first, _rest;
        private readonly TaskCompletionSource _firstPartSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _sendTheRest = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBody(string first, string rest)
        {
            (_first, _rest) = (first, rest);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public Task FirstPartSent => _firstPartSent.Task;

        public void SendTheRest() => _sendTheRest.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(_first));
            await stream.FlushAsync();
            _firstPartSent.TrySetResult();
            await _sendTheRest.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await stream.WriteAsync(Encoding.UTF8.GetBytes(_rest));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
