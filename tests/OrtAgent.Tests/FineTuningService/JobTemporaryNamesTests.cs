using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A service runs job after job for weeks: a job that has ended holds none of the temporary names its writes were
/// given (checkpoint files, the exported model's staging folder, explain.onnx, the step-metrics log). Each stayed
/// held for the life of the process before 2026-12-06, so the list grew with every job.
/// </summary>
public sealed class JobTemporaryNamesTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [Fact]
    public async Task ASucceededJobHoldsNoTemporaryNameInTheStore()
    {
        var trained = await fixture.TrainedAsync();
        Assert.Equal("succeeded", trained.Final.GetProperty("status").GetString());

        var held = TemporarySiblings.HeldUnder(fixture.Store);
        Assert.True(held.Count == 0, $"{held.Count} names still held: {string.Join(", ", held.Select(name => Path.GetRelativePath(fixture.Store, name)))}");
    }

    /// <summary>
    /// A job whose export fails once its staging folder is named (here a file put where its model goes while the job
    /// is held at its last checkpoint) fails, and holds no name: a failed write keeps its name for its error, so each
    /// such job left its model's staging name held for the life of the service. The job's own error is recorded first.
    /// </summary>
    [Fact]
    public async Task AJobWhoseExportFailsHoldsNoTemporaryNameInTheStore()
    {
        string store = Path.Combine(fixture.Tiny.Root, "failed-export-store");
        var hold = new HeldTraining(HeldTraining.Point.LastStepCheckpoint);
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel,
            beforeStart: app => hold.Install(app.Services.GetRequiredService<JobRunner>()));
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        using var create = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new
        {
            model = "tiny", training_file = file.Id, seed = 5,
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 1, batch_size = 8 } } },
        });
        Assert.True(create.IsSuccessStatusCode, await create.Content.ReadAsStringAsync());
        string jobId = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        string model = Path.Combine(store, "models", jobId);
        try
        {
            await hold.Entered.WaitAsync(TimeSpan.FromMinutes(2));
            File.WriteAllText(model, "not a model folder");
        }
        finally
        {
            hold.Release();
        }

        var job = await service.WaitForJobAsync(jobId, status => status is "failed" or "succeeded" or "cancelled", TimeSpan.FromMinutes(2));

        Assert.True(job.GetProperty("status").GetString() == "failed", job.ToString());
        Assert.Contains("is a file, not a directory", job.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal([model], Directory.GetFileSystemEntries(Path.Combine(store, "models")));
        var held = TemporarySiblings.HeldUnder(store);
        Assert.True(held.Count == 0, $"{held.Count} names still held: {string.Join(", ", held.Select(name => Path.GetRelativePath(store, name)))}");
    }
}
