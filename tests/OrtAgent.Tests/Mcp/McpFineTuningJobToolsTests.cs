using System.Text.Json;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.FineTuningService;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// An agent steering jobs through MCP: it lists them and cancels one started by mistake, over HTTP and over stdio,
/// where before nothing but the HTTP API (which a stdio server has not got) could stop or list a job.
/// </summary>
public sealed class McpFineTuningJobToolsTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    private Dictionary<string, object?> LongJob(string name) => new()
    {
        ["training_data"] = File.ReadAllText(_tiny.WriteChatJsonl(name, 400, seed: 4)), ["model"] = "tiny", ["method"] = "supervised", ["n_epochs"] = 50, ["batch_size"] = 1,
    };

    /// <summary>list_fine_tuning_jobs and cancel_fine_tuning_job did not exist: a job started by mistake trained on.</summary>
    [Fact]
    public async Task AnAgentListsTheJobsAndCancelsOneStartedByMistake()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "cancel-store"), _tiny.BaseModel);
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);
        Assert.True(tools["list_fine_tuning_jobs"].ProtocolTool.Annotations!.ReadOnlyHint);
        Assert.True(tools["cancel_fine_tuning_job"].ProtocolTool.Annotations!.DestructiveHint);

        string first = (await client.CallAsync("start_fine_tuning", LongJob("first.jsonl"))).GetProperty("job_id").GetString()!;
        string second = (await client.CallAsync("start_fine_tuning", LongJob("second.jsonl"))).GetProperty("job_id").GetString()!;

        var listed = await client.CallAsync("list_fine_tuning_jobs", []);
        McpToolVocabulary.AssertResultHasOnlySchemaFields(tools["list_fine_tuning_jobs"], listed);
        McpOutputSchema.AssertMatches(tools["list_fine_tuning_jobs"], listed);
        var jobs = listed.GetProperty("jobs").EnumerateArray().ToList();
        // Newest first, as the API lists them.
        Assert.Equal([second, first], jobs.Select(j => j.GetProperty("job_id").GetString()));
        Assert.False(listed.GetProperty("has_more").GetBoolean());
        Assert.All(jobs, j => Assert.Equal("tiny", j.GetProperty("base_model").GetString()));
        Assert.Equal("waiting for another job to finish; cancel_fine_tuning_job drops it", jobs[0].GetProperty("state").GetString());
        var page = await client.CallAsync("list_fine_tuning_jobs", new() { ["limit"] = 1 });
        Assert.Equal(second, Assert.Single(page.GetProperty("jobs").EnumerateArray()).GetProperty("job_id").GetString());
        Assert.True(page.GetProperty("has_more").GetBoolean());
        var older = await client.CallAsync("list_fine_tuning_jobs", new() { ["limit"] = 1, ["after"] = second });
        Assert.Equal(first, Assert.Single(older.GetProperty("jobs").EnumerateArray()).GetProperty("job_id").GetString());

        // Polling the running job tells how far it is and about when to poll again, from its pace (before: "again in a few seconds").
        var deadline = DateTime.UtcNow.AddMinutes(2);
        JsonElement running;
        // progress and its seconds_left are null until known (written as null, as the output schema has them).
        while ((running = await client.CallAsync("get_fine_tuning_job", new() { ["job_id"] = first })).GetProperty("progress") is not { ValueKind: JsonValueKind.Object } p
            || p.GetProperty("seconds_left").ValueKind != JsonValueKind.Number)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{first} gave no estimate in 2 minutes: {running}");
            await Task.Delay(200);
        }
        McpToolVocabulary.AssertResultHasOnlySchemaFields(tools["get_fine_tuning_job"], running);
        McpOutputSchema.AssertMatches(tools["get_fine_tuning_job"], running);
        var progress = running.GetProperty("progress");
        // 400 examples less 10% held out, one a step, 50 epochs.
        Assert.Equal(360 * 50, progress.GetProperty("total_steps").GetInt64());
        long step = progress.GetProperty("step").GetInt64(), left = progress.GetProperty("seconds_left").GetInt64();
        Assert.InRange(step, 1, 360 * 50);
        Assert.True(left >= 1, $"seconds_left {left}");
        Assert.True(DateTimeOffset.Parse(progress.GetProperty("estimated_finish").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= DateTimeOffset.UtcNow.AddSeconds(-1));
        Assert.Matches($@"^Training is at step {step} of 18000 and should end in about \d+ (s|min|h \d+ min)\. Call get_fine_tuning_job with job_id '{first}' again in about \d+ (s|min)\.$",
            running.GetProperty("next").GetString());

        foreach (var job in new[] { first, second })
        {
            var cancelled = await client.CallAsync("cancel_fine_tuning_job", new() { ["job_id"] = job });
            McpToolVocabulary.AssertResultHasOnlySchemaFields(tools["cancel_fine_tuning_job"], cancelled);
            McpOutputSchema.AssertMatches(tools["cancel_fine_tuning_job"], cancelled);
            Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        }
        // The API sees what the tool did.
        var overApi = await service.Http.GetAsync($"/v1/fine_tuning/jobs/{first}");
        Assert.Equal("cancelled", JsonDocument.Parse(await overApi.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        Assert.All((await client.CallAsync("list_fine_tuning_jobs", [])).GetProperty("jobs").EnumerateArray(),
            j => Assert.Equal(("cancelled", "cancelled; it left no model"), (j.GetProperty("status").GetString(), j.GetProperty("state").GetString())));

        // A finished job is refused as the API refuses it, as a tool error naming the argument.
        Assert.Equal($"job_id: job {first} has status 'cancelled'; only queued, running, pausing or paused jobs can be cancelled",
            await client.CallFailingAsync("cancel_fine_tuning_job", new() { ["job_id"] = first }));
        Assert.Equal("job_id: no fine-tuning job with id 'ftjob-missing'", await client.CallFailingAsync("cancel_fine_tuning_job", new() { ["job_id"] = "ftjob-missing" }));
        Assert.Equal("limit: 0 is out of range; give 1 to 100", await client.CallFailingAsync("list_fine_tuning_jobs", new() { ["limit"] = 0 }));
        Assert.StartsWith("after 'ftjob-missing' names no fine-tuning job in this list", await client.CallFailingAsync("list_fine_tuning_jobs", new() { ["after"] = "ftjob-missing" }));
    }

    /// <summary>
    /// Over stdio a job could not be stopped: closing the client checkpointed it, and the next start of the server resumed
    /// it. Cancelled through the tool it stays cancelled; and while the stdio server holds the store, a serve started on it
    /// is told that (before, it was told to connect to that server's /mcp, which a stdio server has not got).
    /// </summary>
    [Fact]
    public async Task OverStdioACancelledJobStaysCancelledAndTheStoreNamesItsHolder()
    {
        string store = Path.Combine(_tiny.Root, "stdio-cancel-store");
        string jobId;
        await using (var client = await OrtAgentMcpProcess.ConnectAsync(["--fine-tuning", "--store", store, "--base-model", $"tiny={_tiny.BaseModel}"]))
        {
            jobId = (await client.CallAsync("start_fine_tuning", LongJob("stdio.jsonl"))).GetProperty("job_id").GetString()!;
            var listed = Assert.Single((await client.CallAsync("list_fine_tuning_jobs", [])).GetProperty("jobs").EnumerateArray());
            Assert.Equal(jobId, listed.GetProperty("job_id").GetString());

            var refused = await Assert.ThrowsAsync<UserInputException>(() => ServiceUnderTest.StartAsync(store, _tiny.BaseModel));
            Assert.Matches($@"^--store {System.Text.RegularExpressions.Regex.Escape(Path.GetFullPath(store))}: 'ortagent mcp --fine-tuning' \(process \d+\) is running this store's jobs for the MCP client "
                + "that started it over stdio, which nothing else can connect to; give this one another --store, or stop that one by closing its client", refused.Message);
            Assert.DoesNotContain("/mcp", refused.Message);

            Assert.Equal("cancelled", (await client.CallAsync("cancel_fine_tuning_job", new() { ["job_id"] = jobId })).GetProperty("status").GetString());
        }

        using var opened = FineTuningStore.Open(store);
        Assert.Equal(JobStatus.Cancelled, opened.GetJob(jobId)!.Status);
        // The server that held it removed its record with its claim.
        Assert.False(File.Exists(Path.Combine(store, StoreHolder.FileName)));
    }

    /// <summary>
    /// The TypeScript SDK's client (Claude Desktop's, VS Code's) checks each result against the tool's output schema, which
    /// requires every field and allows null where there may be none. The results left null fields out, so that client
    /// refused start_fine_tuning (no fine_tuned_model yet), get_fine_tuning_job and list_fine_tuning_jobs: a job could be
    /// started but its id never reached the agent. Each result now matches its schema, its nulls written.
    /// </summary>
    [Fact]
    public async Task EveryFineTuningResultMatchesItsOutputSchemaWithItsNullsWritten()
    {
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--fine-tuning", "--store", Path.Combine(_tiny.Root, "schema-store"), "--base-model", $"tiny={_tiny.BaseModel}"]);
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);

        var first = await client.CallAsync("start_fine_tuning", LongJob("schema-first.jsonl"));
        McpOutputSchema.AssertMatches(tools["start_fine_tuning"], first);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("fine_tuned_model").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("settings").GetProperty("pair_rounds").ValueKind);
        // The second waits behind the first: nothing about its training is known yet.
        string second = (await client.CallAsync("start_fine_tuning", LongJob("schema-second.jsonl"))).GetProperty("job_id").GetString()!;
        var waiting = await client.CallAsync("get_fine_tuning_job", new() { ["job_id"] = second });
        McpOutputSchema.AssertMatches(tools["get_fine_tuning_job"], waiting);
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (waiting.GetProperty("progress").ValueKind, waiting.GetProperty("latest_metrics").ValueKind));
        McpOutputSchema.AssertMatches(tools["list_fine_tuning_jobs"], await client.CallAsync("list_fine_tuning_jobs", []));
        foreach (var job in new[] { first.GetProperty("job_id").GetString()!, second })
        {
            var cancelled = await client.CallAsync("cancel_fine_tuning_job", new() { ["job_id"] = job });
            McpOutputSchema.AssertMatches(tools["cancel_fine_tuning_job"], cancelled);
            Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        }
    }

    /// <summary>A store held by serve names it, and that it can be connected to.</summary>
    [Fact]
    public async Task AStoreRefusalNamesTheServeHoldingIt()
    {
        string store = Path.Combine(_tiny.Root, "served-store");
        await using var service = await ServiceUnderTest.StartAsync(store, _tiny.BaseModel);

        var refused = Assert.Throws<UserInputException>(() => FineTuningStore.Open(store));
        Assert.Equal($"--store {Path.GetFullPath(store)}: 'ortagent serve --fine-tuning' (process {Environment.ProcessId}) is running this store's jobs; "
            + "connect to that service (its /mcp offers the same tools, its /v1 the fine-tuning API), stop it, or give this one another --store", refused.Message);
    }

    /// <summary>A job due within a minute is polled at its end; a longer one about four times before, one to ten minutes apart.</summary>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(30, 30)]
    [InlineData(60, 60)]
    [InlineData(100, 60)]
    [InlineData(1200, 300)]
    [InlineData(36000, 600)]
    public void APollIsSuggestedFromTheTimeLeft(long secondsLeft, long pollAfter) =>
        Assert.Equal(pollAfter, OrtAgent.Mcp.FineTuningJobReporter.PollAfter(secondsLeft));

    public void Dispose() => _tiny.Dispose();
}
