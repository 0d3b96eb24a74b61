using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Mcp;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>serve --fine-tuning</c> batched each model's <c>/predict</c>, but its chat completions and MCP
/// <c>classify_text</c> calls each ran the model alone: twenty chats for a model were twenty ONNX Runtime runs. All
/// three now queue in the model's one batcher. Batches are observed on <c>/metrics</c>, as
/// <see cref="ServicePredictBatchingTests"/> observes them, where the service counts them by model.
/// </summary>
public sealed class ServiceChatAndToolBatchingTests : BatchingServiceTests
{
    private static async Task<string?> ChatLabelAsync(ServiceUnderTest service, string model, string text)
    {
        using var response = await service.Http.PostAsJsonAsync("/v1/chat/completions",
            new { model, messages = new[] { new { role = "user", content = text } }, logprobs = true, top_logprobs = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choice = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0];
        string? label = choice.GetProperty("message").GetProperty("content").GetString();
        // The label's own log-probability, read from its batch's slice, is the highest of the model's two labels.
        var logprob = choice.GetProperty("logprobs").GetProperty("content")[0];
        Assert.Equal(label, logprob.GetProperty("token").GetString());
        Assert.Equal(label, logprob.GetProperty("top_logprobs")[0].GetProperty("token").GetString());
        return label;
    }

    private static async Task<string?> ToolLabelAsync(ModelContextProtocol.Client.McpClient client, string model, string text) =>
        (await client.CallAsync("classify_text", new() { ["text"] = text, ["model"] = model })).GetProperty("results")[0].GetProperty("label").GetString();

    [Fact]
    public async Task ThirtyTwoConcurrentChatCompletionsForOneModelRunAsOneBatch()
    {
        await using var service = await StartAsync(WaitForAFullBatchMs, "sentiment");
        var sentences = ToyClassifierModel.SentimentSentences().Take(32).ToArray();

        var chats = sentences.Select(async s => (s.Label, Answer: await ChatLabelAsync(service, "sentiment", s.Text))).ToArray();
        var answers = await Task.WhenAll(chats).WaitAsync(Bound);

        Assert.All(answers, a => Assert.Equal(a.Label, a.Answer));
        Assert.Equal((1, 32), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service), "sentiment"));
    }

    [Fact]
    public async Task ThirtyTwoConcurrentClassifyTextCallsForOneModelRunAsOneBatch()
    {
        await using var service = await StartAsync(WaitForAFullBatchMs, "sentiment");
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        var sentences = ToyClassifierModel.SentimentSentences().Take(32).ToArray();

        var calls = sentences.Select(async s => (s.Label, Answer: await ToolLabelAsync(client, "sentiment", s.Text))).ToArray();
        var answers = await Task.WhenAll(calls).WaitAsync(Bound);

        Assert.All(answers, a => Assert.Equal(a.Label, a.Answer));
        Assert.Equal((1, 32), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service), "sentiment"));
    }

    /// <summary>
    /// One batcher a model, whichever path a request came by: <c>/predict</c>, chats and tool calls for one model fill
    /// one batch together, and a second model's requests, queued meanwhile, are counted as that model's batch.
    /// </summary>
    [Fact]
    public async Task PredictChatAndToolCallsForOneModelShareItsBatch()
    {
        await using var service = await StartAsync(WaitForAFullBatchMs, "first", "second");
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        var sentences = ToyClassifierModel.SentimentSentences().Take(32).ToArray();

        var second = sentences.Take(31).Select(s => ChatLabelAsync(service, "second", s.Text)).ToArray();
        var first = sentences.Select((s, i) => (i % 3) switch
        {
            0 => TopLabelAsync(service, "first", s.Text),
            1 => ChatLabelAsync(service, "first", s.Text),
            _ => ToolLabelAsync(client, "first", s.Text),
        }).ToArray();

        Assert.Equal(sentences.Select(s => s.Label), await Task.WhenAll(first).WaitAsync(Bound));
        Assert.DoesNotContain(second, request => request.IsCompleted);
        string metrics = await MetricsAsync(service);
        Assert.Equal((1, 32), ConcurrencyTests.BatchSizeIn(metrics, "first"));
        Assert.Equal((0, 0), ConcurrencyTests.BatchSizeIn(metrics, "second"));

        var last = ToolLabelAsync(client, "second", sentences[31].Text);
        Assert.Equal(sentences.Select(s => s.Label), await Task.WhenAll([.. second, last]).WaitAsync(Bound));
        Assert.Equal((1, 32), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service), "second"));
    }

    /// <summary>
    /// A chat waiting in a fine-tuned model's batcher when the model is deleted holds the model, as a <c>/predict</c>
    /// does: a chat after the delete is the 404 of a model not served, the waiting chat is answered once its batch
    /// fills (never a 5xx or a disposed session), and the model is freed after it. Once the chat holds the model, the
    /// test takes it too, as a second request in flight would, and that request's text is what fills the batch of two
    /// after the delete, so no timing decides whether the delete came while the chat waited.
    /// </summary>
    [Fact]
    public async Task AChatQueuedWhenItsModelIsDeletedIsAnsweredAndTheModelFreedAfterIt() => await DeleteTheModelWhileARequestWaitsInItsBatchAsync(ChatLabelAsync, async (service, model) =>
    {
        using var after = await service.Http.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new[] { new { role = "user", content = "great" } } });
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal("model_not_found", (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    });
}
