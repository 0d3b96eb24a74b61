using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job that fails once training runs (out of memory, diverged) names the hyperparameter to change in its
/// <c>error.param</c> and message where its creation body gave it. A job created with
/// <c>method.supervised.hyperparameters</c> (what the OpenAI .NET library sends) was told of
/// <c>hyperparameters.batch_size</c>, a field its client never wrote.
/// </summary>
public sealed class LaterJobFailureParamTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    private const string UnderMethod = "\"method\": {\"type\": \"supervised\", \"supervised\": {\"hyperparameters\": {\"batch_size\": 8}}}";
    private const string TopLevel = "\"hyperparameters\": {\"batch_size\": 8}";

    public static TheoryData<string, string, string, string, string> Failures => new()
    {
        { UnderMethod, "memory", "out_of_memory", "method.supervised.hyperparameters.batch_size", "create it again with a smaller method.supervised.hyperparameters.batch_size" },
        { TopLevel, "memory", "out_of_memory", "hyperparameters.batch_size", "create it again with a smaller hyperparameters.batch_size" },
        { UnderMethod, "diverged", "training_diverged", "method.supervised.hyperparameters.learning_rate_multiplier",
            "lower the learning rate (0.00005 × method.supervised.hyperparameters.learning_rate_multiplier)" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task AFailureFoundWhileTrainingNamesTheHyperparameterWhereTheBodyGaveIt(string hyperparameters, string failure, string code, string param, string advice)
    {
        Exception thrown = failure == "memory"
            ? new OutOfMemoryException("test: no memory left for the batch")
            : new TrainingDivergedException(2, double.NaN, InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.LearningRate)), 0.005);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, $"later-failure-{Guid.NewGuid():N}"), fixture.Tiny.BaseModel,
            beforeStart: app => app.Services.GetRequiredService<JobRunner>().ObserveTraining = (_, job, _) => new FailingObserver(job, thrown));
        string file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value.Id;

        using var created = await service.Http.PostAsync("/v1/fine_tuning/jobs", new StringContent(
            $$"""{"model": "tiny", "training_file": "{{file}}", {{hyperparameters}}}""", System.Text.Encoding.UTF8, "application/json"));
        var job = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.IsSuccessStatusCode, job.ToString());
        var failed = await service.WaitForJobAsync(job.GetProperty("id").GetString()!, status => status is "failed" or "succeeded", Bound);

        var error = failed.GetProperty("error");
        Assert.True(failed.GetProperty("status").GetString() == "failed", failed.ToString());
        Assert.Equal((code, param), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
        Assert.Contains(advice, error.GetProperty("message").GetString());
    }

    /// <summary>
    /// An auto job takes no hyperparameters, so the advice names them under the method it resolved to (here supervised,
    /// with 72 examples a label to train on), the one place a new creation body can give them; it was told the top-level form,
    /// which a body with <c>method.type</c> auto refuses.
    /// </summary>
    [Fact]
    public async Task AnAutoJobIsToldTheHyperparameterUnderTheMethodItResolvedTo()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, $"later-failure-auto-{Guid.NewGuid():N}"), fixture.Tiny.BaseModel,
            beforeStart: app => app.Services.GetRequiredService<JobRunner>().ObserveTraining = (_, job, _) =>
                new FailingObserver(job, new OutOfMemoryException("test: no memory left for the batch")));
        string data = Path.Combine(fixture.Tiny.Root, $"auto-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 160).Select(i => JsonSerializer.Serialize(new
        {
            messages = new object[] { new { role = "user", content = $"text number {i} of {(i % 2 == 0 ? "good" : "bad")} things" }, new { role = "assistant", content = i % 2 == 0 ? "positive" : "negative" } },
        })));
        string file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(data, OpenAI.Files.FileUploadPurpose.FineTune)).Value.Id;

        using var created = await service.Http.PostAsync("/v1/fine_tuning/jobs", new StringContent(
            $$$"""{"model": "tiny", "training_file": "{{{file}}}", "method": {"type": "auto"}}""", System.Text.Encoding.UTF8, "application/json"));
        var job = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.IsSuccessStatusCode, job.ToString());
        var failed = await service.WaitForJobAsync(job.GetProperty("id").GetString()!, status => status is "failed" or "succeeded", Bound);

        var error = failed.GetProperty("error");
        Assert.Equal(("out_of_memory", "method.supervised.hyperparameters.batch_size"), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
    }

    /// <summary>Reports to the job's own observer, then fails the run at its first step as the trainer would.</summary>
    private sealed class FailingObserver(ITrainingObserver job, Exception failure) : ITrainingObserver
    {
        public void OnTrainingStarted(long fromStep) => job.OnTrainingStarted(fromStep);

        public void OnStep(TrainingStepInfo step)
        {
            job.OnStep(step);
            throw failure;
        }

        public void OnEvaluation(EvaluationInfo evaluation) => job.OnEvaluation(evaluation);

        public void OnMessage(string message) => job.OnMessage(message);

        public void OnWarning(string message) => job.OnWarning(message);

        public void OnCheckpointSaved(long step) => job.OnCheckpointSaved(step);

        public void OnStoppedAtCheckpoint(long step, string checkpointDirectory) => job.OnStoppedAtCheckpoint(step, checkpointDirectory);
    }
}
