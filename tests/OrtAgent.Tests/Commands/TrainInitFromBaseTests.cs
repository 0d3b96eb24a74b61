using Microsoft.Extensions.Options;
using OrtAgent.BaseModels;
using OrtAgent.Cli;
using OrtAgent.FineTuning;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.BaseModels;
using Spectre.Console;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>train --init-from</c> a model fine-tuned from a packaged base builds on that base, so the new card names the weights'
/// true lineage; naming another packaged base is refused before anything is read.
/// </summary>
public sealed class TrainInitFromBaseTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>An export whose metadata says it was fine-tuned from <paramref name="baseModel"/>.</summary>
    private string ExportFineTunedFrom(string baseModel)
    {
        var directory = _work.Combine("prod");
        var model = OnnxModel.Load(Path.Combine(tiny.BaseModel, ModelContract.ModelFile));
        foreach (var (key, value) in ModelContract.ToMetadata(new ClassifierModelInfo(["negative", "positive"], 64, true, baseModel, "single_label",
                     new Dictionary<string, double>())))
            model.Metadata[key] = value;
        Directory.CreateDirectory(directory);
        model.Save(Path.Combine(directory, ModelContract.ModelFile));
        File.Copy(Path.Combine(tiny.BaseModel, ModelContract.VocabularyFile), Path.Combine(directory, ModelContract.VocabularyFile));
        return directory;
    }

    /// <summary>Records the base the job asks for, and stops it there.</summary>
    private sealed class StopAtResolve : IBaseModelResolver
    {
        public string? Asked { get; private set; }

        public Task<BaseModel> ResolveAsync(string nameOrDirectory, CancellationToken cancellationToken)
        {
            Asked = nameOrDirectory;
            throw new UserInputException("stopped at the base model");
        }
    }

    private async Task<(StopAtResolve Resolver, UserInputException Error)> RunAsync(string? baseModel, string initFrom)
    {
        var resolver = new StopAtResolve();
        var job = new TrainingJob(resolver, Options.Create(new OrtAgentPaths { ArtifactsRoot = _work.Combine("artifacts") }),
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }));
        var error = await Assert.ThrowsAnyAsync<UserInputException>(() => job.RunAsync(new TrainJobOptions
        {
            DataPath = tiny.TrainCsv, BaseModel = baseModel, InitFrom = initFrom, OutputDirectory = _work.Combine("models", "next"),
        }, CancellationToken.None));
        return (resolver, error);
    }

    [Theory]
    [InlineData(null, "arctic-xs")]
    [InlineData("arctic-xs", "arctic-xs")]
    [InlineData("ARCTIC-XS", "ARCTIC-XS")]
    public async Task WithoutAnotherBaseTheRunBuildsOnTheModelsOwn(string? asked, string expected)
    {
        var (resolver, error) = await RunAsync(asked, ExportFineTunedFrom("arctic-xs"));

        Assert.Equal("stopped at the base model", error.Message);
        Assert.Equal(expected, resolver.Asked);
    }

    /// <summary>An adapter records its base's name too: a run from an arctic-xs adapter built on minilm and failed on the SHA-256.</summary>
    [Fact]
    public async Task FromAnAdapterTheRunBuildsOnTheBaseItRecords()
    {
        var artifacts = OrtAgent.Training.Artifacts.TrainingArtifacts.Generate(new OrtAgent.Training.Artifacts.TrainingArtifactsOptions
        {
            BaseModel = tiny.BaseModel, Labels = ["negative", "positive"], BaseModelName = "arctic-xs", Lora = new OrtAgent.Training.Adapters.LoraOptions { Rank = 2 },
        }, _work.Combine("lora-artifacts"));
        var adapter = _work.Combine("adapter");
        OrtAgent.Training.Adapters.PeftAdapter.Write(artifacts.Properties,
            OrtAgent.Training.Checkpoints.SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors, adapter);

        var (resolver, error) = await RunAsync(null, adapter);

        Assert.Equal("stopped at the base model", error.Message);
        Assert.Equal("arctic-xs", resolver.Asked);
    }

    [Fact]
    public async Task AModelRecordingNoBaseLeavesTheDefault()
    {
        var (resolver, _) = await RunAsync(null, ExportFineTunedFrom("unknown"));

        Assert.Equal(TrainJobOptions.DefaultBaseModel, resolver.Asked);
    }

    /// <summary>
    /// A model trained from a base directory, then given to --init-from without --base: the run took minilm, read the text
    /// with minilm's vocabulary and failed inside ONNX Runtime (Gather idx=2023 must be within [-128,127], exit 1).
    /// </summary>
    [Fact]
    public async Task AModelFromABaseDirectoryWithoutBaseIsRefusedNamingBase()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var model = _work.Combine("models", "m");
        var next = _work.Combine("next");

        var run = await CliRun.RunAsync(["train", "--init-from", model, "--data", tiny.TrainCsv, "--epochs", "1",
            "--output", Path.Combine(next, "models", "m"), "--artifacts-root", Path.Combine(next, "artifacts"), "--models-root", Path.Combine(next, "store")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --init-from {model} was fine-tuned from tiny-base, which is not a packaged base model (minilm, arctic-xs); give that base model's directory as --base",
            Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(next), "something was written");
    }

    [Fact]
    public async Task AnotherPackagedBaseIsRefusedNamingBoth()
    {
        var model = ExportFineTunedFrom("arctic-xs");
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--base", "minilm", "--init-from", model));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --base minilm: --init-from {model} was fine-tuned from arctic-xs, and its weights would replace minilm's; leave --base out",
            Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
    }
}
