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
        }, "base model tiny: its folder is gone");

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
            }), problem);

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
    /// A new job on a base removed after the service checked it keeps the answer it had (the start cannot open the base
    /// it names, refused as the run's input): base_model_changed is for a job whose checkpoint began on another base.
    /// </summary>
    [Fact]
    public async Task ANewJobOnABaseRemovedSinceTheStartKeepsItsAnswer()
    {
        var baseModel = Path.Combine(fixture.Tiny.Root, "base-removed-base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "base-removed-store"), baseModel);
        Directory.Delete(baseModel, recursive: true);
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false);
        var done = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);

        Assert.True(done.GetProperty("status").GetString() == "failed", done.ToString());
        Assert.Equal("invalid_training_file", done.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("training_file", done.GetProperty("error").GetProperty("param").GetString());
    }

    /// <summary>
    /// On a job that began on a base of its own (<paramref name="name"/>-base) and that a stop interrupted, changes the
    /// base and starts the service again with <paramref name="changeAndRestart"/> (given the base's folder and the
    /// store), and asserts that the resumed job failed as base_model_changed, <paramref name="problem"/> its reason,
    /// naming no server path; then <paramref name="alsoAssert"/>, given the resumed job and the failure's message.
    /// </summary>
    private async Task OnAJobWhoseBaseChanged(string name, Func<string, string, Task<ServiceUnderTest>> changeAndRestart, string problem,
        Func<FineTuningJob, string, Task>? alsoAssert = null)
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
            Assert.StartsWith("the server's base model tiny changed after this job began, so its checkpoint cannot continue (" + problem, message);
            Assert.EndsWith("); create the job again to train on the base model as it is now", message);
            Assert.DoesNotContain(store, message);
            Assert.DoesNotContain(fixture.Tiny.Root, message);
            if (alsoAssert is not null) await alsoAssert(resumed, message);
            return true;
        });
    }
}
