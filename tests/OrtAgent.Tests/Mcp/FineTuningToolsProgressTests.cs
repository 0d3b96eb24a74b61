using ModelContextProtocol;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// start_fine_tuning's one long step before it answers is the service's read of every example: the rows read reach
/// the caller as MCP progress, without a total, which the read does not know.
/// </summary>
public sealed class FineTuningToolsProgressTests
{
    [Fact]
    public void TheRowsTheServiceChecksBecomeProgressWithoutATotal()
    {
        var jobs = new FakeFineTuningJobs
        {
            RowsChecked = [1000, 1500],
            OnCreate = _ => throw new OpenAIApiException(400, "model 'nope' does not exist", "model", "model_not_found"),
        };
        var tools = new FineTuningTools(jobs, new FineTuningToolOptions(AllowLocalPaths: false));
        var notifications = new List<ProgressNotificationValue>();

        Assert.Throws<ModelContextProtocol.McpException>(() => tools.StartFineTuning(training_data: "text,label\na,x\n", model: "nope",
            progress: new OrtAgent.Progress.SynchronousProgress<ProgressNotificationValue>(notifications.Add)));

        Assert.Equal([1000f, 1500f], notifications.Select(n => n.Progress));
        Assert.All(notifications, n => Assert.Null(n.Total));
        Assert.Equal("checking the examples before the job is queued: 1500 rows read", notifications[1].Message);
    }
}
