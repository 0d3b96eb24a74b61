#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using OpenAI;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>The job object as sent: an estimated finish the .NET SDK can wait for, and OrtAgent's statuses it reads.</summary>
public sealed class FineTuningJobObjectTests
{
    private const long Now = 1_800_000_000;

    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(Now);

    private static JobRecord Job(string status, long? estimatedFinish) => new()
    {
        Id = "ftjob-e", CreatedAt = Now - 60, Model = "tiny", TrainingFile = "file-x", Seed = 1, NEpochs = 1, BatchSize = 1,
        LearningRateMultiplier = 1, Status = status, EstimatedFinish = estimatedFinish,
    };

    /// <summary>
    /// The SDK waits estimated_finish − its own UtcNow and throws on a negative wait: an estimate 1 s ahead of the
    /// server's whole-second clock was already past when the SDK read it. Near or past ones go out as now plus the lead.
    /// </summary>
    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(FineTuningJobObject.EstimatedFinishLeadSeconds - 1)]
    public void ARunningJobsEstimateNearOrPastNowIsSentTheLeadAhead(long ahead) =>
        Assert.Equal(Now + FineTuningJobObject.EstimatedFinishLeadSeconds, FineTuningJobObject.From(Job(JobStatus.Running, Now + ahead), At).EstimatedFinish);

    [Fact]
    public void AnEstimateBeyondTheLeadIsSentAsItIsAndNoneIsSentUnlessRunning()
    {
        Assert.Equal(Now + 600, FineTuningJobObject.From(Job(JobStatus.Running, Now + 600), At).EstimatedFinish);
        Assert.Null(FineTuningJobObject.From(Job(JobStatus.Running, null), At).EstimatedFinish);
        Assert.Null(FineTuningJobObject.From(Job(JobStatus.Paused, Now + 600), At).EstimatedFinish);
    }

    /// <summary>
    /// "pausing" (and "paused") are not OpenAI's statuses; the .NET library 2.15.0 takes any status string, reads these
    /// as not <c>InProgress</c>, and keeps waiting through them (it waits for succeeded, failed or cancelled).
    /// </summary>
    [Theory]
    [InlineData(JobStatus.Pausing)]
    [InlineData(JobStatus.Paused)]
    public async Task TheOpenAILibraryReadsOrtAgentsPauseStatuses(string status)
    {
        string body = JsonSerializer.Serialize(FineTuningJobObject.From(Job(status, null), At), OpenAIJson.Options);
        using var http = new HttpClient(new OneAnswer(body));
        var client = new OpenAIClient(new ApiKeyCredential("key"), new OpenAIClientOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).GetFineTuningClient();

        var job = await client.GetJobAsync("ftjob-e");

        Assert.Equal(status, job.Status.ToString());
        Assert.False(job.Status.InProgress);
    }

    /// <summary>Answers every request with <paramref name="body"/>, as the service would: no socket is opened.</summary>
    private sealed class OneAnswer(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") });
    }
}
