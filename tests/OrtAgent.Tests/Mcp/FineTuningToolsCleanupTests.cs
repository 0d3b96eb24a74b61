using OrtAgent.FineTuningService;
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
        var jobs = new FailingJobs(new BadImageFormatException("corrupt package"));
        var tools = new FineTuningTools(jobs, new FineTuningToolOptions(AllowLocalPaths: false));

        Assert.Throws<BadImageFormatException>(() => tools.StartFineTuning(training_data: "{\"text\": \"a\", \"label\": \"x\"}\n"));

        Assert.Equal(["file-1"], jobs.Added);
        Assert.Equal(["file-1"], jobs.Deleted);
    }

    /// <summary>A refusal still deletes it, and is still the tool error in the tool's terms.</summary>
    [Fact]
    public void InlineExamplesAreDeletedWhenTheServiceRefusesTheJob()
    {
        var jobs = new FailingJobs(new OpenAIApiException(400, "model 'nope' does not exist", "model", "model_not_found"));
        var tools = new FineTuningTools(jobs, new FineTuningToolOptions(AllowLocalPaths: false));

        var error = Assert.Throws<ModelContextProtocol.McpException>(() => tools.StartFineTuning(training_data: "text,label\na,x\n", model: "nope"));

        Assert.Contains("model 'nope' does not exist", error.Message);
        Assert.Equal(["file-1"], jobs.Deleted);
    }

    /// <summary>A service whose job creation fails with <paramref name="failure"/>; it records the files added and deleted.</summary>
    private sealed class FailingJobs(Exception failure) : IFineTuningJobs
    {
        public List<string> Added { get; } = [];
        public List<string> Deleted { get; } = [];

        public FileObject AddFile(string path) => throw new NotSupportedException();

        public FileObject AddFile(Stream content, string filename)
        {
            var file = new FileObject($"file-{Added.Count + 1}", content.Length, 0, filename, "fine-tune", "processed");
            Added.Add(file.Id);
            return file;
        }

        public void DeleteFile(string fileId) => Deleted.Add(fileId);

        public FineTuningJobObject Create(FineTuningJobRequest request) => throw failure;

        public FineTuningJobObject CreateFromFile(string trainingFilePath, FineTuningJobRequest request) => throw new NotSupportedException();

        public FineTuningJobObject Get(string jobId) => throw new NotSupportedException();

        public ListObject<FineTuningJobObject> List(string? after = null, int limit = 20) => throw new NotSupportedException();

        public Task<FineTuningJobObject> CancelAsync(string jobId) => throw new NotSupportedException();

        public Task<FineTuningJobObject> PauseAsync(string jobId) => throw new NotSupportedException();

        public FineTuningJobObject Resume(string jobId) => throw new NotSupportedException();

        public ListObject<JobEventObject> ListEvents(string jobId, string? after = null, int limit = 20) => throw new NotSupportedException();

        public ListObject<CheckpointObject> ListCheckpoints(string jobId, string? after = null, int limit = 10) => throw new NotSupportedException();
    }
}
