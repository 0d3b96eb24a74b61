using OrtAgent.FineTuningService.Api;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>start_fine_tuning stores inline examples as a file before the job is created; no failure may leave it behind.</summary>
public sealed class FineTuningToolsCleanupTests
{
    /// <summary>
    /// Only a refusal (McpException, OpenAIApiException) deleted the stored training_data: a fault of the server's own
    /// while creating the job (a corrupt base model package was a BadImageFormatException) left it in the store.
    /// </summary>
    [Fact]
    public void InlineExamplesAreDeletedWhenCreatingTheJobFailsForAnyReason()
    {
        var jobs = new FakeFineTuningJobs { OnCreate = _ => throw new BadImageFormatException("corrupt package") };
        var tools = new FineTuningTools(jobs, new FineTuningToolOptions(AllowLocalPaths: false));

        Assert.Throws<BadImageFormatException>(() => tools.StartFineTuning(training_data: "{\"text\": \"a\", \"label\": \"x\"}\n"));

        Assert.Equal(["file-1"], jobs.Added);
        Assert.Equal(["file-1"], jobs.Deleted);
    }

    /// <summary>A refusal still deletes it, and is still the tool error in the tool's terms.</summary>
    [Fact]
    public void InlineExamplesAreDeletedWhenTheServiceRefusesTheJob()
    {
        var jobs = new FakeFineTuningJobs { OnCreate = _ => throw new OpenAIApiException(400, "model 'nope' does not exist", "model", "model_not_found") };
        var tools = new FineTuningTools(jobs, new FineTuningToolOptions(AllowLocalPaths: false));

        var error = Assert.Throws<ModelContextProtocol.McpException>(() => tools.StartFineTuning(training_data: "text,label\na,x\n", model: "nope"));

        Assert.Contains("model 'nope' does not exist", error.Message);
        Assert.Equal(["file-1"], jobs.Deleted);
    }
}
