using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuning;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>--lr</c> left out is no rate at all, for the run to resolve by what it trains; given, it is the rate, even at full
/// fine-tuning's default. It used to arrive as 5e-5 either way, and the job guessed "left out" from that value, so a
/// LoRA run asked in code for 5e-5 trained at LoRA's default instead.
/// </summary>
public sealed class TrainLearningRateTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>Takes the options the command builds and stops there.</summary>
    private sealed class Capture : ITrainingJob
    {
        public TrainJobOptions? Options { get; private set; }

        public Task<TrainJobResult> RunAsync(TrainJobOptions options, CancellationToken cancellationToken)
        {
            Options = options;
            throw new UserInputException("captured");
        }
    }

    /// <summary>The real job, told nothing of which flags were typed: as a caller building its options in code.</summary>
    private sealed class GivenUnknown(TrainingJob job) : ITrainingJob
    {
        public Task<TrainJobResult> RunAsync(TrainJobOptions options, CancellationToken cancellationToken) =>
            job.RunAsync(options with { Given = null }, cancellationToken);
    }

    private static async Task<double?> RateAsked(params string[] args)
    {
        var capture = new Capture();
        var run = await CliRun.RunAsync(["train", .. args], configureServices: services => services.AddSingleton<ITrainingJob>(capture));
        Assert.True(run.ExitCode == 2 && capture.Options is not null, run.ToString());
        return capture.Options.FineTuning.LearningRate;
    }

    [Fact]
    public async Task LeftOutTheRateIsUnsetAndGivenItIsTheValueEvenAtTheDefault()
    {
        Assert.Null(await RateAsked());
        Assert.Null(await RateAsked("--lora-rank", "8"));
        Assert.Equal(5e-5, await RateAsked("--lora-rank", "8", "--lr", "5e-5"));
        Assert.Equal(2e-4, await RateAsked("--lr", "2e-4"));
    }

    [Fact]
    public async Task ALoraRunAskedForFullFineTuningsDefaultRateTrainsAtIt()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--epochs", "1", "--lr", "5e-5"),
            configureServices: services => services.AddSingleton<TrainingJob>().AddSingleton<ITrainingJob>(provider => new GivenUnknown(provider.GetRequiredService<TrainingJob>())));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("LoRA's default", run.Output);
        var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(_work.Combine("artifacts", "m"), TrainingArtifacts.SettingsRecordFile)));
        Assert.Equal(5e-5, settings.RootElement.GetProperty("fine_tuning").GetProperty("learning_rate").GetDouble());
    }
}
