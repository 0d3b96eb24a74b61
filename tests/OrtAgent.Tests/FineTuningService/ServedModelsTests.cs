using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Mcp;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>How the service loads the fine-tuned models it serves: on first use, and again after a failed load.</summary>
public sealed class ServedModelsTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    /// <summary>
    /// A fine-tuned model that could not be loaded was an unhandled 500 at its first use and at every use after, even
    /// once the model on disk was mended: the failed load was kept. It is now a 503 in OpenAI's envelope saying what is
    /// wrong, and the next request loads the model again.
    /// </summary>
    [Fact]
    public async Task AModelThatCannotLoadIs503InTheEnvelopeAndServesOnceMended()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        const string jobId = "ftjob-0000000000000000000broken", model = $"ft:tiny:mended:{jobId}";
        var job = new JobRecord
        {
            Id = jobId, CreatedAt = FineTuningStore.Now(), Model = "tiny", TrainingFile = "file-none", Seed = 1, NEpochs = 1, BatchSize = 1,
            LearningRateMultiplier = 1, Status = JobStatus.Succeeded,
        };
        store.AddJob(job);
        store.UpdateJob(job with { FineTunedModel = model, FinishedAt = FineTuningStore.Now() });
        string directory = store.ModelDirectory(jobId);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "model.onnx"), "not a model");
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), ToyClassifierModel.Vocabulary);
        var chat = new { model, messages = new[] { new { role = "user", content = "the movie was great" } } };

        for (int attempt = 0; attempt < 2; attempt++)
        {
            using var refused = await service.Http.PostAsJsonAsync("/v1/chat/completions", chat);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.StartsWith($"The model '{model}' cannot be loaded: {Path.Combine(directory, "model.onnx")}: ONNX Runtime cannot load it", error.GetProperty("message").GetString());
            Assert.Equal("server_error", error.GetProperty("type").GetString());
            Assert.Equal("model_unavailable", error.GetProperty("code").GetString());
        }

        // MCP's list_models reads every model: the broken one is listed with why, and does not hide the others.
        await using (var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null))
        {
            var listed = Assert.Single((await client.CallAsync("list_models", [])).GetProperty("models").EnumerateArray());
            Assert.Equal(model, listed.GetProperty("name").GetString());
            Assert.StartsWith($"The model '{model}' cannot be loaded: ", listed.GetProperty("unavailable").GetString());
            Assert.Empty(listed.GetProperty("labels").EnumerateArray());
        }

        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        using var answered = await service.Http.PostAsJsonAsync("/v1/chat/completions", chat);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var choice = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0];
        Assert.Equal("positive", choice.GetProperty("message").GetProperty("content").GetString());
    }
}
