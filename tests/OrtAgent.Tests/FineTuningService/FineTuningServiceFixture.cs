#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Text.Json;
using OpenAI.FineTuning;
using OrtAgent.Tests.Commands;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// One running service with the tiny base model, tiny chat-format training files, and one job trained through the
/// OpenAI library (started by the first test that needs it, shared by the rest).
/// </summary>
public sealed class FineTuningServiceFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _trainOnce = new(1, 1);
    private TrainedJob? _trained;

    internal TinyTrainingFixture Tiny { get; } = new();

    internal ServiceUnderTest Service { get; private set; } = null!;

    public string Store => Path.Combine(Tiny.Root, "store");

    /// <summary>40 examples, two labels: a job of 2 epochs on it takes a few seconds.</summary>
    public string ChatFile => Path.Combine(Tiny.Root, "chat.jsonl");

    /// <summary>400 examples for batch-1 jobs that run long enough (hundreds of steps) to be cancelled or interrupted.</summary>
    public string LongChatFile => Path.Combine(Tiny.Root, "long.jsonl");

    /// <summary>10 chat examples: a validation file too small to choose a model by, so a job on it never stops early.</summary>
    public string FewValidationFile => Path.Combine(Tiny.Root, "few-validation.jsonl");

    public async Task InitializeAsync()
    {
        Tiny.WriteChatJsonl("chat.jsonl", 40, seed: 3);
        Tiny.WriteChatJsonl("long.jsonl", 400, seed: 4);
        Tiny.WriteChatJsonl("few-validation.jsonl", 10, seed: 9);
        Service = await ServiceUnderTest.StartAsync(Store, Tiny.BaseModel);
    }

    /// <summary>The job trained from <see cref="ChatFile"/> with explicit hyperparameters, waited for.</summary>
    internal async Task<TrainedJob> TrainedAsync()
    {
        await _trainOnce.WaitAsync();
        try
        {
            if (_trained is not null) return _trained;
            var files = Service.OpenAI.GetOpenAIFileClient();
            var file = (await files.UploadFileAsync(ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
            var options = new FineTuningOptions
            {
                TrainingMethod = FineTuningTrainingMethod.CreateSupervised(
                    HyperparameterBatchSize.CreateSize(8), HyperparameterEpochCount.CreateEpochCount(2), HyperparameterLearningRate.CreateMultiplier(100)),
                Suffix = "sentiment",
                Seed = 7,
            };
            var job = await Service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, options);
            var done = await WaitForAsync(job, s => s == FineTuningStatus.Succeeded || s == FineTuningStatus.Failed || s == FineTuningStatus.Cancelled);
            return _trained = new TrainedJob(job, file.Id, done.GetProperty("fine_tuned_model").GetString() ?? "", done);
        }
        finally
        {
            _trainOnce.Release();
        }
    }

    /// <summary>Polls the job through the library until <paramref name="until"/> holds (at most two minutes); returns its last JSON.</summary>
    internal static async Task<JsonElement> WaitForAsync(FineTuningJob job, Func<FineTuningStatus, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            await job.UpdateStatusAsync();
            if (until(job.Status)) return Json(job);
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {job.JobId} is still {job.Status}");
            await Task.Delay(100);
        }
    }

    /// <summary>The job as the server last sent it (fields the library does not expose, such as fine_tuned_model).</summary>
    internal static JsonElement Json(FineTuningJob job) => JsonDocument.Parse(job.GetRawResponse().Content.ToString()).RootElement.Clone();

    public async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        Tiny.Dispose();
    }

    internal sealed record TrainedJob(FineTuningJob Job, string TrainingFileId, string Model, JsonElement Final);
}
