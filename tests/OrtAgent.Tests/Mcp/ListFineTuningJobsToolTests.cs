using ModelContextProtocol;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>list_fine_tuning_jobs over a service written by hand: its refusals in the terms of the tool's own result.</summary>
public sealed class ListFineTuningJobsToolTests
{
    /// <summary>
    /// An unknown 'after' told the agent to "page with the last_id of the page before", the API's list field, which the
    /// tool's result has not got: it has jobs[].job_id and has_more.
    /// </summary>
    [Fact]
    public void AnUnknownAfterIsToldByTheResultsOwnFields()
    {
        var jobs = new FakeFineTuningJobs();
        jobs.Jobs.Add(new FineTuningJobObject
        {
            Id = "ftjob-a", CreatedAt = 1_800_000_000, Model = "minilm", Status = "succeeded", TrainingFile = "file-1",
            Hyperparameters = new(3, 16, 1), Seed = 1, Method = new("supervised"),
        });
        var tools = new FineTuningTools(jobs, new FineTuningToolOptions(AllowLocalPaths: false));

        var refused = Assert.Throws<McpException>(() => tools.ListFineTuningJobs(after: " ftjob-missing "));

        Assert.Equal("after 'ftjob-missing' names no fine-tuning job in this list; to list older jobs, pass as 'after' the job_id of the last entry "
            + "of 'jobs' in the list you were given (when its has_more is true), or leave 'after' out to list from the newest", refused.Message);
        // A known cursor still pages.
        Assert.Empty(tools.ListFineTuningJobs(after: "ftjob-a").Jobs);
    }
}
