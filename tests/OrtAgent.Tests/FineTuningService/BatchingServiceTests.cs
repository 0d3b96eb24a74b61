using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// What the fine-tuning service's batching tests share: a service serving toy sentiment models from <c>--model</c>
/// directories with the batch settings a test chooses, a <c>/predict</c> client and the <c>/metrics</c> that count batches.
/// </summary>
public abstract class BatchingServiceTests : IDisposable
{
    /// <summary>Long enough that no batch runs because time ran out: a batch of 32 runs when its 32nd text is queued.</summary>
    private protected const int WaitForAFullBatchMs = 10 * 60 * 1000;

    private protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private protected TinyTrainingFixture Tiny { get; } = new();

    public void Dispose()
    {
        Tiny.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected async Task<ServiceUnderTest> StartAsync(int maxWaitMs, params string[] models) => await StartAsync(maxWaitMs, maxBatch: 32, models);

    private protected async Task<ServiceUnderTest> StartAsync(int maxWaitMs, int maxBatch, params string[] models)
    {
        var directories = models.Select(name =>
        {
            string directory = Path.Combine(Tiny.Root, name);
            ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
            return directory;
        }).ToArray();
        return await ServiceUnderTest.StartAsync(Path.Combine(Tiny.Root, "store"), Tiny.BaseModel, modelDirectories: directories, maxBatch: maxBatch, maxWaitMs: maxWaitMs);
    }

    private protected static async Task<string?> TopLabelAsync(ServiceUnderTest service, string model, string text)
    {
        using var response = await service.Http.PostAsJsonAsync("/predict", new { inputs = text, model });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("label").GetString();
    }

    private protected static async Task<string?[]> TopLabelsAsync(ServiceUnderTest service, string model, params string[] texts)
    {
        using var response = await service.Http.PostAsJsonAsync("/predict", new { inputs = texts, model });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(scores => scores[0].GetProperty("label").GetString()).ToArray();
    }

    private protected static async Task<string> MetricsAsync(ServiceUnderTest service)
    {
        using var response = await service.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
