using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Serving;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// A <c>serve --fine-tuning --model DIR</c> is served under its folder's name. A folder named as a base encoder or as one
/// of the store's fine-tuned models started without a word, and the routes then disagreed: chat served the folder while
/// jobs trained the base, and deleting the id deleted the store's model while the listing kept it. Such a start is now
/// one line naming both and exit code 2, with nothing served and the store as it was.
/// </summary>
public sealed class ServeFineTuningModelNamesTests : IDisposable
{
    private const string JobId = "ftjob-00000000000000000000chaos", FineTuned = $"ft:minilm:chaos:{JobId}";

    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Dispose();
    }

    /// <summary>A servable export in <c>work/&lt;parent&gt;/&lt;name&gt;</c>, so two of one name can be made.</summary>
    private string Export(string parent, string name)
    {
        string directory = _work.Combine(Path.Combine(parent, name));
        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        return directory;
    }

    /// <summary>
    /// Runs <c>serve --fine-tuning</c> with <paramref name="args"/>; a service that did start is stopped as by Ctrl+C once it
    /// says it serves, so a start that should have been refused ends the test rather than hanging it.
    /// </summary>
    private static Task<CliRun> ServeAsync(string store, params string[] args) =>
        CliRun.RunWhileAsync(["serve", "--fine-tuning", "--store", store, "--threads", "1", "--urls", "http://127.0.0.1:0", .. args],
            "Ctrl+C stops", _ => Task.CompletedTask);

    private static void AssertRefused(CliRun run, string line)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("", run.Output);
        Assert.Equal("error: " + line, Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task AFolderNamedAsAPackagedBaseEncoderIsRefusedAndMakesNoStore()
    {
        string store = _work.Combine("store");
        string folder = Export("w3", "minilm");

        var run = await ServeAsync(store, "--model", folder);

        AssertRefused(run, $"--model {folder}: it would be served as 'minilm', its folder's name, which is already the name of a packaged base encoder; rename the folder");
        Assert.False(Directory.Exists(store), "the refused start made a store");
    }

    [Fact]
    public async Task AFolderNamedAsABaseModelGivenByNameIsRefused()
    {
        string store = _work.Combine("store");
        string baseModel = _work.Combine("tiny-base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        string folder = Export("w3", "tiny");

        var run = await ServeAsync(store, "--base-model", $"tiny={baseModel}", "--model", folder);

        AssertRefused(run, $"--model {folder}: it would be served as 'tiny', its folder's name, which is already the name of --base-model tiny={baseModel}; rename the folder");
        Assert.False(Directory.Exists(store), "the refused start made a store");
    }

    [Fact]
    public async Task TwoFoldersOfOneNameAreRefusedNamingBoth()
    {
        string first = Export("w1", "sentiment"), second = Export("w2", "sentiment");

        var run = await ServeAsync(_work.Combine("store"), "--model", first, "--model", second);

        AssertRefused(run, $"--model {second}: it would be served as 'sentiment', its folder's name, which is already the name of --model {first}; rename the folder");
    }

    /// <summary>
    /// The tester's case: the folder has the id of a model the store holds; or of the model a job that may still train
    /// makes when it succeeds, refused before it does. The store is not touched: even a leftover the open would have
    /// removed (an upload's bytes without a row) is still there.
    /// </summary>
    [Theory]
    [InlineData(JobStatus.Succeeded, "made")]
    [InlineData(JobStatus.Paused, "(paused) makes if it succeeds")]
    public async Task AFolderNamedAsAModelOfTheStoreIsRefusedAndLeavesTheStoreAsItWas(string status, string jobAndModel)
    {
        string store = Path.GetFullPath(_work.Combine("store"));
        MakeStoreWithJob(store, status, status == JobStatus.Succeeded ? FineTuned : null);
        var before = TreeSnapshot.Take(store);
        string folder = Export("w2", FineTuned);

        var run = await ServeAsync(store, "--model", folder);

        AssertRefused(run, $"--model {folder}: it would be served as '{FineTuned}', its folder's name, which is already the id of the model fine-tuning job {JobId} {jobAndModel}, in --store {store}; rename the folder");
        Assert.Equal(before, TreeSnapshot.Take(store));
    }

    /// <summary>A model the store deleted is no longer its: a folder of its id is served.</summary>
    [Fact]
    public async Task AFolderNamedAsADeletedModelIsServed()
    {
        string store = Path.GetFullPath(_work.Combine("store"));
        MakeStoreWithJob(store, JobStatus.Succeeded, FineTuned, modelDeleted: true);

        var run = await ServeAsync(store, "--model", Export("w2", FineTuned));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Ctrl+C stops", run.Output);
    }

    /// <summary>
    /// A store holding job <see cref="JobId"/> from minilm with suffix <c>chaos</c>, and an upload's bytes without a row
    /// (what a killed upload leaves, which an open removes).
    /// </summary>
    private static void MakeStoreWithJob(string directory, string status, string? fineTunedModel, bool modelDeleted = false)
    {
        using (var store = FineTuningStore.Open(directory))
        {
            var job = new JobRecord
            {
                Id = JobId, CreatedAt = FineTuningStore.Now(), Model = "minilm", TrainingFile = "file-none", Suffix = "chaos", Seed = 1,
                NEpochs = 1, BatchSize = 1, LearningRateMultiplier = 1, Status = status,
            };
            store.AddJob(job);
            store.UpdateJob(job with { FineTunedModel = fineTunedModel, ModelDeleted = modelDeleted, FinishedAt = fineTunedModel is null ? null : FineTuningStore.Now() });
            if (fineTunedModel is not null && !modelDeleted) ToyClassifierModel.Write(store.ModelDirectory(JobId), ToyClassifierModel.Sentiment);
            File.WriteAllText(Path.Combine(store.FilesDirectory, "file-leftover"), "bytes a killed upload left");
        }
        SqliteConnection.ClearAllPools();
    }
}
