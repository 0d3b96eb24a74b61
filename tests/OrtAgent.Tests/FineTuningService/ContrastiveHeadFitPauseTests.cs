#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Jobs;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A contrastive job past its last optimizer step fits its classifier head (stage 2), which on a large set is no short
/// finish. A pause then was refused (400 <c>invalid_job_state</c>, "finishing") as after a standard job's last step.
/// Held between the two stages here, the job is paused as during stage 1: <c>pausing</c>, then answered with the job
/// <c>paused</c> at its stage-1 checkpoint, no model; resumed, it fits the head again and succeeds.
/// </summary>
public sealed class ContrastiveHeadFitPauseTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task APauseWhileTheHeadIsFittedPausesAtTheStageOneCheckpointAndTheResumedJobFitsTheHeadAgain()
    {
        string store = Path.Combine(fixture.Tiny.Root, "head-fit-pause-store");
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        var hold = new HeldTraining(HeldTraining.Point.LastStepCheckpoint);
        hold.Install(service.App.Services.GetRequiredService<JobRunner>());
        string jobId;
        try
        {
            var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
            // 36 training examples (4 held out) at 1 round: 72 pairs, 5 steps of 16.
            using var create = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new
            {
                model = "tiny", training_file = file.Id, seed = 5,
                method = new { type = "contrastive", contrastive = new { hyperparameters = new { n_epochs = 1, batch_size = 16, learning_rate_multiplier = 50, pair_rounds = 1 } } },
            });
            Assert.True(create.IsSuccessStatusCode, await create.Content.ReadAsStringAsync());
            jobId = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            await hold.Entered.WaitAsync(Bound);

            // Answered once the job has paused, as a pause during stage 1 is: the hold lets the head fit go on when the pause reaches it.
            using var pause = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/pause", null);
            var paused = await pause.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(pause.StatusCode == HttpStatusCode.OK, paused.ToString());
            Assert.Equal("paused", paused.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, paused.GetProperty("fine_tuned_model").ValueKind);
            var messages = await MessagesAsync(service, jobId);
            Assert.Contains("Fine-tuning job pausing: it has taken its last optimizer step and stops fitting its classifier head; it is paused at its checkpoint, and resuming it fits the head again", messages);
            Assert.Equal("Fine-tuning job paused at step 5, while fitting its classifier head; resuming it fits the head again from its checkpoint at step 5", messages[0]);
            Assert.DoesNotContain(messages, m => m.StartsWith("Classifier head fitted", StringComparison.Ordinal));
            Assert.False(Directory.Exists(Path.Combine(store, "models", jobId)), "a paused job has no model");
        }
        finally
        {
            hold.Release();   // a job whose pause was refused is not left held for the hold's two minutes
        }

        using (var resume = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/resume", null))
            Assert.True(resume.IsSuccessStatusCode, await resume.Content.ReadAsStringAsync());
        var done = await service.WaitForJobAsync(jobId, s => s is not ("queued" or "running"), Bound);

        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal($"ft:tiny::{jobId}", done.GetProperty("fine_tuned_model").GetString());
        Assert.True(File.Exists(Path.Combine(store, "models", jobId, "model.onnx")));
        var all = await MessagesAsync(service, jobId);
        Assert.Contains("Resumed fine-tuning from the checkpoint at step 5", all);
        Assert.Single(all, m => m.StartsWith("Classifier head fitted on the encoder after 1 epoch over sentence pairs (step 5): ", StringComparison.Ordinal));
        Assert.Single(all, m => m.StartsWith("Step 5/5: ", StringComparison.Ordinal));   // stage 1 was not trained again
    }


    private static async Task<List<string>> MessagesAsync(ServiceUnderTest service, string jobId)
    {
        var events = await service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/events?limit=100");
        return [.. events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("message").GetString()!)];
    }
}
