#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenAI.FineTuning;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Runtime;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job that fails for the server's reasons (its models root read-only, its disk full, a base's file it cannot read, a
/// base changed under a model a job continues) says so in the service's words: a code that blames no request field, the
/// base by its name, what was being written in the job's terms, and never a server path or temporary name. Seen by a
/// tester of <c>serve --fine-tuning</c>: these failed as invalid_training_file (param training_file) or internal_error,
/// naming <c>/tmp/t2/ro</c>, <c>--models-root</c>, <c>.minilm.pulling-PID</c> or <c>checkpoint.next/.optimizer.safetensors.tmp-PID</c>.
/// Faults are armed with <see cref="CreationFault"/> (a read-only folder and a full disk need mounts), and a file
/// root cannot read is a link to <c>/proc/sys/vm/drop_caches</c>, which is write-only even for root.
/// </summary>
public sealed class ServerSideJobFailureTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private const string Unreadable = "/proc/sys/vm/drop_caches";

    [Fact]
    public async Task AReadOnlyModelsRootFailsAPackagedBasesJobAsBaseModelUnavailableNamingTheBase()
    {
        var root = Path.Combine(fixture.Tiny.Root, "read-only-root");
        Directory.CreateDirectory(root);
        var readOnly = new IOException($"Read-only file system : '{root}'", 30);
        var (done, messages, service) = await RunMinilmJobAsync("read-only", root, () => CreationFault.ArmIn(root, readOnly));
        await using (service)
        {
            var error = AssertFailedWithoutParam(done, "base_model_unavailable");
            Assert.Equal("the server cannot extract its base model minilm, since it cannot write in the folder where it keeps its base models; "
                + "create the job again once the server's operator has made that folder writable", error);
            Assert.Contains("Fine-tuning job failed: " + error, messages);
            // The operator's log keeps the folder and the file system's reason.
            Assert.Contains(service.Logs.Lines, m => m.Contains("base model minilm cannot be extracted", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ADiskFullWhileExtractingAPackagedBaseNamesTheBaseNotItsStagingCopy()
    {
        var root = Path.Combine(fixture.Tiny.Root, "full-root");
        var staging = Path.Combine(root, "base", $".minilm.pulling-{Environment.ProcessId}");
        var full = new IOException($"No space left on device : '{Path.Combine(staging, ModelContract.ModelFile)}'", 28);
        var (done, _, service) = await RunMinilmJobAsync("full", root, () => CreationFault.ArmIn(staging, full));
        await using (service)
        {
            var error = AssertFailedWithoutParam(done, "insufficient_storage");
            Assert.Equal("the service's disk is full (No space left on device : 'base model minilm: model.onnx'); free space on the server, then create the job again", error);
            Assert.DoesNotContain(root, error);
        }
    }

    [Fact]
    public async Task ADiskFullWhileSavingACheckpointNamesTheJobsCheckpointNotItsTemporary()
    {
        var store = Path.Combine(fixture.Tiny.Root, "full-checkpoint-store");
        var full = (string path) => new IOException($"No space left on device : '{path}'", 28);
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, beforeStart: app =>
            app.Services.GetRequiredService<JobRunner>().ObserveTraining = (jobId, progress, _) =>
            {
                // The first file of the first save, written under its temporary name in checkpoint.next.
                var next = Path.Combine(store, "artifacts", jobId, "checkpoint.next");
                CreationFault.ArmIn(next, full(Path.Combine(next, $".model.safetensors.tmp-{Environment.ProcessId}")));
                return progress;
            });
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false);
        var done = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);

        var error = AssertFailedWithoutParam(done, "insufficient_storage");
        Assert.Equal("the service's disk is full (No space left on device : 'the job's checkpoint: model.safetensors'); free space on the server, then create the job again", error);
    }

    /// <summary>
    /// A new job's configured base whose vocab.txt cannot be read since the start (its permissions changed) failed as
    /// internal_error ("UnauthorizedAccessException: Access to the path ... is denied").
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ANewJobOnAConfiguredBaseWhoseVocabularyCannotBeReadFailsAsBaseModelChanged()
    {
        var baseModel = Path.Combine(fixture.Tiny.Root, "unreadable-vocab-base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "unreadable-vocab-store"), baseModel);
        var vocabulary = Path.Combine(baseModel, ModelContract.VocabularyFile);
        File.Delete(vocabulary);
        File.CreateSymbolicLink(vocabulary, Unreadable);
        var (done, _) = await RunJobAsync(service, "tiny");

        var error = AssertFailedWithoutParam(done, "base_model_changed");
        Assert.Equal("the server's base model tiny changed after the service started, so this job cannot start "
            + "(Access to the path 'base model tiny: vocab.txt' is denied.); create the job again once the server's operator has put the base model back", error);
    }

    /// <summary>
    /// A new job's configured base whose vocab.txt the tokenizer refuses since the start (emptied, or its [CLS] line
    /// gone) failed as invalid_training_file with param training_file, blaming the client's file; a resumed job's did not.
    /// </summary>
    [Theory]
    [InlineData("emptied")]
    [InlineData("no-cls")]
    public async Task ANewJobOnAConfiguredBaseWhoseVocabularyIsRefusedNowFailsAsBaseModelChanged(string change)
    {
        var baseModel = Path.Combine(fixture.Tiny.Root, $"refused-vocab-base-{change}");
        TinyBertBuilder.WriteBaseModel(baseModel);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, $"refused-vocab-store-{change}"), baseModel);
        var vocabulary = Path.Combine(baseModel, ModelContract.VocabularyFile);
        File.WriteAllLines(vocabulary, change == "emptied" ? [] : File.ReadAllLines(vocabulary).Where(line => line != "[CLS]"));
        var (done, _) = await RunJobAsync(service, "tiny");

        var error = AssertFailedWithoutParam(done, "base_model_changed");
        Assert.StartsWith("the server's base model tiny changed after the service started, so this job cannot start (base model tiny: vocab.txt", error);
        Assert.EndsWith("); create the job again once the server's operator has put the base model back", error);
        Assert.DoesNotContain(fixture.Tiny.Root, error);
    }

    /// <summary>A packaged base's pulled copy whose model.onnx cannot be read failed a new job as internal_error.</summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ANewJobOnAPulledBaseWhoseModelCannotBeReadFailsAsBaseModelChanged()
    {
        var root = Path.Combine(fixture.Tiny.Root, "unreadable-pulled-root");
        var minilm = Path.Combine(root, "base", "minilm");
        Directory.CreateDirectory(minilm);
        var packaged = PackagedBaseModelCatalog.Find("minilm")!;
        // A copy that says it is the package's: its files are hashed, which reads them.
        BaseModelDescriptor.Create("minilm", packaged.PackageId, packaged.PackageVersion, "0", "0", BaseModel.Open(fixture.Tiny.BaseModel).Architecture)
            .Save(Path.Combine(minilm, BaseModelDescriptor.FileName));
        File.CreateSymbolicLink(Path.Combine(minilm, ModelContract.ModelFile), Unreadable);
        File.Copy(Path.Combine(fixture.Tiny.BaseModel, ModelContract.VocabularyFile), Path.Combine(minilm, ModelContract.VocabularyFile));
        var (done, _, service) = await RunMinilmJobAsync("unreadable-pulled", root, arm: null);
        await using (service)
        {
            var error = AssertFailedWithoutParam(done, "base_model_changed");
            Assert.StartsWith("the server's base model minilm changed after the service started, so this job cannot start "
                + "(Access to the path 'base model minilm: model.onnx' is denied.", error);
            Assert.DoesNotContain(root, error);
        }
    }

    /// <summary>
    /// A new job that continues a fine-tuned model, on a base whose vocab.txt changed since that model was trained,
    /// failed as invalid_training_file with param training_file, blaming the client's file.
    /// </summary>
    [Fact]
    public async Task ANewJobContinuingAModelWhoseBaseVocabularyChangedFailsAsBaseModelChanged()
    {
        var baseModel = Path.Combine(fixture.Tiny.Root, "changed-vocab-base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var store = Path.Combine(fixture.Tiny.Root, "changed-vocab-store");
        string model;
        await using (var first = await ServiceUnderTest.StartAsync(store, baseModel))
        {
            var (trained, _) = await RunJobAsync(first, "tiny");
            Assert.True(trained.GetProperty("status").GetString() == "succeeded", trained.ToString());
            model = trained.GetProperty("fine_tuned_model").GetString()!;
        }
        // The same tokens in another order: a vocabulary the tokenizer takes, whose ids are not the model's.
        var vocabulary = Path.Combine(baseModel, ModelContract.VocabularyFile);
        var lines = File.ReadAllLines(vocabulary);
        (lines[^1], lines[^2]) = (lines[^2], lines[^1]);
        File.WriteAllLines(vocabulary, lines);
        await using var second = await ServiceUnderTest.StartAsync(store, baseModel);
        var (done, _) = await RunJobAsync(second, model);

        var error = AssertFailedWithoutParam(done, "base_model_changed");
        Assert.StartsWith($"the server's base model tiny changed after the model {model} was trained on it, so the model cannot be continued (base model tiny: vocab.txt is not the vocabulary ", error);
        Assert.EndsWith("); create a job on the base model tiny to train on it as it is now", error);
        Assert.DoesNotContain("give the base", error);
        Assert.DoesNotContain(fixture.Tiny.Root, error);
    }

    /// <summary>Asserts that the job failed with <paramref name="code"/> and no param, and returns its message, checked to name no temporary.</summary>
    private static string AssertFailedWithoutParam(JsonElement done, string code)
    {
        Assert.True(done.GetProperty("status").GetString() == "failed", done.ToString());
        var error = done.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        string message = error.GetProperty("message").GetString()!;
        foreach (var server in new[] { "--models-root", "pulling-", ".tmp-", "checkpoint.next", Path.GetTempPath() })
            Assert.DoesNotContain(server, message);
        return message;
    }

    private async Task<(JsonElement Done, IReadOnlyList<string> Messages)> RunJobAsync(ServiceUnderTest service, string model)
    {
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await service.OpenAI.GetFineTuningClient().FineTuneAsync(model, file.Id, waitUntilCompleted: false);
        var done = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);
        return (done, [.. await FineTuningServiceTests.Messages(job)]);
    }

    /// <summary>
    /// Runs a minilm job on a service whose models root is <paramref name="modelsRoot"/>, its base resolved with
    /// <paramref name="arm"/>'s fault armed; the caller disposes the service.
    /// </summary>
    private async Task<(JsonElement Done, IReadOnlyList<string> Messages, ServiceUnderTest Service)> RunMinilmJobAsync(string name, string modelsRoot, Func<IDisposable>? arm)
    {
        var resolver = new BaseModelResolver(new BaseModelStore(Options.Create(new OrtAgentPaths { ModelsRoot = modelsRoot }), NullLogger<BaseModelStore>.Instance));
        var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, $"{name}-store"), fixture.Tiny.BaseModel,
            baseModels: arm is null ? resolver : new ArmedResolver(resolver, arm));
        var (done, messages) = await RunJobAsync(service, "minilm");
        return (done, messages, service);
    }

    /// <summary>Resolves as <paramref name="inner"/> does with a <see cref="CreationFault"/> armed for the resolution's flow alone.</summary>
    private sealed class ArmedResolver(IBaseModelResolver inner, Func<IDisposable> arm) : IBaseModelResolver
    {
        public async Task<BaseModel> ResolveAsync(string nameOrDirectory, CancellationToken cancellationToken)
        {
            using (arm()) return await inner.ResolveAsync(nameOrDirectory, cancellationToken);
        }
    }
}
