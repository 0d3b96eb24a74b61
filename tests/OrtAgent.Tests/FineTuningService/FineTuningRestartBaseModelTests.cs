#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Text.Json;
using OpenAI.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job resumed after a restart opens again the base its checkpoint began on. What changed of that base on the server
/// (its folder gone, a file of it missing or unreadable, a model.onnx of fewer positions) fails the job as
/// base_model_changed, naming the base by its name: the job failed as invalid_training_file, blaming the client's file,
/// or trained on, cutting every text shorter than it began to.
/// </summary>
public sealed partial class FineTuningRestartTests
{
    /// <summary>
    /// The job's base folder removed, the name given another folder (a configured base that is missing stops the
    /// service's start, so an operator who moved it names its new place).
    /// </summary>
    [Fact]
    public Task AResumedJobWhoseBaseFolderIsGoneFailsAsBaseModelChanged() =>
        OnAJobWhoseBaseChanged("base-gone", (baseModel, store) =>
        {
            Directory.Delete(baseModel, recursive: true);
            return ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        }, "base model tiny: its folder is gone", OnceTheBaseIsBack);

    /// <summary>
    /// A file of the base missing or unreadable once the service checked its bases at the start (as a file removed
    /// while it starts, or between a pause and the client's resume, would be).
    /// </summary>
    [Theory]
    [InlineData(ModelContract.ModelFile, "missing", "base model tiny has no model.onnx (the encoder graph)")]
    [InlineData(ModelContract.VocabularyFile, "missing", "base model tiny has no vocab.txt (the WordPiece vocabulary, one token per line)")]
    [InlineData(ModelContract.ModelFile, "unreadable", "base model tiny: model.onnx is not a readable ONNX model (")]
    public Task AResumedJobWhoseBaseLostAFileFailsAsBaseModelChanged(string file, string how, string problem) =>
        OnAJobWhoseBaseChanged($"base-{how}-{Path.GetFileNameWithoutExtension(file)}", (baseModel, store) =>
            ServiceUnderTest.StartAsync(store, baseModel, beforeStart: _ =>
            {
                var path = Path.Combine(baseModel, file);
                if (how == "missing") File.Delete(path);
                else File.WriteAllText(path, "not an ONNX model");
            }), problem, OnceTheBaseIsBack);

    /// <summary>
    /// The base's model.onnx replaced by one of 16 positions, fewer than the 64 tokens the run recorded when it began: it
    /// trained on, reading every text to 16 tokens, and exported that length. It keeps its own length or fails.
    /// </summary>
    [Fact]
    public Task AResumedJobWhoseBaseTakesFewerTokensNowFailsAsBaseModelChanged() =>
        OnAJobWhoseBaseChanged("base-fewer-positions", (baseModel, store) =>
        {
            var shorter = Path.Combine(fixture.Tiny.Root, "base-fewer-positions-replacement");
            TinyBertBuilder.WriteBaseModel(shorter, new TinyBertOptions { MaxPositions = 16 });
            File.Copy(Path.Combine(shorter, ModelContract.ModelFile), Path.Combine(baseModel, ModelContract.ModelFile), overwrite: true);
            return ServiceUnderTest.StartAsync(store, baseModel);
        }, "base model tiny: model.onnx takes at most 16 tokens, fewer than the 64 the run in 'artifacts/");

    /// <summary>
    /// The base's name given another folder while the one the job began on is still there: the job keeps its base, and
    /// is told so without the command line's remedy (leave the base option out), which no client can follow.
    /// </summary>
    [Fact]
    public Task AResumedJobWhoseBaseNameNamesAnotherFolderFailsAsBaseModelChanged() =>
        OnAJobWhoseBaseChanged("base-other", (_, store) => ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel),
            "the run in artifacts/ftjob-");

    /// <summary>
    /// The job's base folder replaced by a byte-identical copy (<c>rm -r base &amp;&amp; cp -r backup base</c>: new files,
    /// new inodes and times, the same bytes) is the base the job began on, and the job resumes on it.
    /// </summary>
    [Fact]
    public async Task AResumedJobWhoseBaseWasReplacedByAnIdenticalCopyResumes()
    {
        var baseModel = Path.Combine(fixture.Tiny.Root, "base-copied-base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        await OnAJobTheStopInterrupted("base-copied-store", baseModel: baseModel, attempt: async (store, jobId, lastTry) =>
        {
            if (!Directory.Exists(Path.Combine(store, "artifacts", jobId)) && !lastTry) return false;   // finished before the stop landed

            var backup = baseModel + "-backup";
            CopyDirectory(baseModel, backup);
            Directory.Delete(baseModel, recursive: true);
            CopyDirectory(backup, baseModel);
            Directory.Delete(backup, recursive: true);
            await using var second = await ServiceUnderTest.StartAsync(store, baseModel);
            var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
            var done = await FineTuningServiceFixture.WaitForAsync(resumed, s => !s.InProgress);

            Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
            var messages = await FineTuningServiceTests.Messages(resumed);
            Assert.Contains(messages, m => m.StartsWith("Resumed fine-tuning from the checkpoint at step ", StringComparison.Ordinal));
            return true;
        });
    }

    /// <summary>
    /// A new job on a configured base whose folder, or a file of it, was removed after the service checked it at the
    /// start fails as base_model_changed, naming the base by its name and what the operator must do: it failed as
    /// invalid_training_file with param training_file, blaming the client's file, and named the server's folder.
    /// </summary>
    [Theory]
    [InlineData("", "base model tiny: its folder is gone")]
    [InlineData(ModelContract.ModelFile, "base model tiny has no model.onnx (the encoder graph)")]
    [InlineData(ModelContract.VocabularyFile, "base model tiny has no vocab.txt (the WordPiece vocabulary, one token per line)")]
    public async Task ANewJobOnABaseRemovedSinceTheStartFailsAsBaseModelChanged(string removed, string problem)
    {
        var baseModel = Path.Combine(fixture.Tiny.Root, $"base-removed-{removed}-base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var store = Path.Combine(fixture.Tiny.Root, $"base-removed-{removed}-store");
        await using var service = await ServiceUnderTest.StartAsync(store, baseModel);
        if (removed.Length == 0) Directory.Delete(baseModel, recursive: true);
        else File.Delete(Path.Combine(baseModel, removed));
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false);
        var done = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);

        Assert.True(done.GetProperty("status").GetString() == "failed", done.ToString());
        var error = done.GetProperty("error");
        Assert.Equal("base_model_changed", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal($"the server's base model tiny changed after the service started, so this job cannot start ({problem}); {OnceTheBaseIsBack}",
            error.GetProperty("message").GetString());
        Assert.Contains("Fine-tuning job failed: " + error.GetProperty("message").GetString(), await FineTuningServiceTests.Messages(job));
    }

    /// <summary>What a job whose base is gone, or lacks a file, is told to do.</summary>
    private const string OnceTheBaseIsBack = "create the job again once the server's operator has put the base model back";

    /// <summary>What a job whose base is there but is another is told to do.</summary>
    private const string OnTheBaseAsItIsNow = "create the job again to train on the base model as it is now";

    /// <summary>
    /// On a job that began on a base of its own (<paramref name="name"/>-base) and that a stop interrupted, changes the
    /// base and starts the service again with <paramref name="changeAndRestart"/> (given the base's folder and the
    /// store), and asserts that the resumed job failed as base_model_changed, <paramref name="problem"/> its reason,
    /// naming no server path, and told <paramref name="remedy"/>; then <paramref name="alsoAssert"/>, given the resumed job and the failure's message.
    /// </summary>
    private async Task OnAJobWhoseBaseChanged(string name, Func<string, string, Task<ServiceUnderTest>> changeAndRestart, string problem,
        string remedy = OnTheBaseAsItIsNow, Func<FineTuningJob, string, Task>? alsoAssert = null)
    {
        // The fixture's base is every other test's.
        var baseModel = Path.Combine(fixture.Tiny.Root, $"{name}-base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        await OnAJobTheStopInterrupted($"{name}-store", baseModel: baseModel, attempt: async (store, jobId, lastTry) =>
        {
            if (!Directory.Exists(Path.Combine(store, "artifacts", jobId)) && !lastTry) return false;   // finished before the stop landed

            await using var second = await changeAndRestart(baseModel, store);
            var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
            var done = await FineTuningServiceFixture.WaitForAsync(resumed, s => !s.InProgress);

            Assert.True(done.GetProperty("status").GetString() == "failed", done.ToString());
            var error = done.GetProperty("error");
            Assert.Equal("base_model_changed", error.GetProperty("code").GetString());
            Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
            string message = error.GetProperty("message").GetString()!;
            Assert.True(message.StartsWith("the server's base model tiny changed after this job began, so its checkpoint cannot continue (" + problem, StringComparison.Ordinal), message);
            Assert.EndsWith("); " + remedy, message);
            // The library's remedies are its callers' (give the run another base, leave an option out), never a client's.
            Assert.DoesNotContain("give the base", message);
            Assert.DoesNotContain("leave it out", message);
            Assert.DoesNotContain(store, message);
            Assert.DoesNotContain(fixture.Tiny.Root, message);
            if (alsoAssert is not null) await alsoAssert(resumed, message);
            return true;
        });
    }
}
