using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Mcp;
using static OrtAgent.Tests.FineTuningService.ServedModelsTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job whose model was deleted (<c>DELETE /v1/models/{id}</c>): the MCP tools went on telling the agent to classify
/// with it ("Classify with classify_text using model …"), classify_text then said no model had that name, and no event
/// of the job told of the delete. The API's job keeps the id, as OpenAI's does; the tools say the model is gone and to
/// train again, and an event records the delete, restarts included.
/// </summary>
public sealed class DeletedModelJobTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    [Fact]
    public async Task AJobWhoseModelWasDeletedSaysSoToTheToolsAndInItsEventsAcrossARestart()
    {
        string storeDirectory = Path.Combine(_tiny.Root, "deleted-model-store");
        string jobId, model;
        string deletedEvent;
        await using (var service = await ServiceUnderTest.StartAsync(storeDirectory, _tiny.BaseModel))
        {
            (var job, model) = AddFineTunedModel(service.App.Services.GetRequiredService<FineTuningStore>());
            jobId = job.Id;
            deletedEvent = $"Fine-tuned model {model} deleted; it is no longer served";

            using (var deleted = await service.Http.DeleteAsync($"/v1/models/{model}"))
                Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

            // OpenAI's shape: the job still names the model it made.
            var overApi = await service.JobAsync(jobId);
            Assert.Equal("succeeded", overApi.GetProperty("status").GetString());
            Assert.Equal(model, overApi.GetProperty("fine_tuned_model").GetString());

            await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
            var report = await client.CallAsync("get_fine_tuning_job", new() { ["job_id"] = jobId });
            Assert.Equal(model, report.GetProperty("fine_tuned_model").GetString());
            Assert.Equal($"Its model '{model}' has been deleted and can no longer classify or explain texts: "
                + "start a new job with start_fine_tuning to train again, or pick another model from list_models.", report.GetProperty("next").GetString());
            Assert.EndsWith($"info: {deletedEvent}", report.GetProperty("recent_events")[0].GetString(), StringComparison.Ordinal);
            var listed = Assert.Single((await client.CallAsync("list_fine_tuning_jobs", [])).GetProperty("jobs").EnumerateArray());
            Assert.Equal($"trained, but its model '{model}' has been deleted; start_fine_tuning trains again", listed.GetProperty("state").GetString());

            // Named all the same, the model is told as deleted, not as a name nobody knows ("no model is named", "does not exist").
            string gone = $"model '{model}' was deleted; fine-tuning job {jobId} made it, and it is served no more: fine-tune again to train a model like it";
            Assert.Equal(gone, DeletedModelMessage(model, jobId));
            Assert.StartsWith(gone + "; ", await client.CallFailingAsync("classify_text", new() { ["text"] = "fine", ["model"] = model }), StringComparison.Ordinal);
            using var chat = await service.Http.PostAsJsonAsync("/v1/chat/completions",
                new { model, messages = new[] { new { role = "user", content = "fine" } } });
            Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
            var error = (await chat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal(gone, error.GetProperty("message").GetString());
            Assert.Equal("model_not_found", error.GetProperty("code").GetString());

            // Nor can a job continue it: told as deleted, where it was "cannot be fine-tuned here … or a model this service fine-tuned".
            using var continued = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model, training_file = "file-none" });
            Assert.Equal(HttpStatusCode.BadRequest, continued.StatusCode);
            var refusal = (await continued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.StartsWith(gone + "; fine-tune ", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal("model", refusal.GetProperty("param").GetString());
        }

        // The event is the store's, not the process's.
        await using (var restarted = await ServiceUnderTest.StartAsync(storeDirectory, _tiny.BaseModel))
        {
            var events = await restarted.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/events");
            var newest = events.GetProperty("data")[0];
            Assert.Equal(deletedEvent, newest.GetProperty("message").GetString());
            Assert.Equal("info", newest.GetProperty("level").GetString());
            Assert.Equal(model, (await restarted.JobAsync(jobId)).GetProperty("fine_tuned_model").GetString());
        }
    }
}
