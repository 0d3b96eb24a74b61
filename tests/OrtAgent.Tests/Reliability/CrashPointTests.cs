using OrtAgent.Cli;
using OrtAgent.FaultInjection;

namespace OrtAgent.Tests.Reliability;

/// <summary>A tiny training run, its export, promotion and prediction file, with the campaign shared by the tests.</summary>
public sealed class CrashCampaignFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ortagent-crash-" + Guid.NewGuid().ToString("N"));

    public CrashCampaign Campaign { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var cli = Path.Combine(Path.GetDirectoryName(typeof(CliApp).Assembly.Location)!, "ortagent.dll");
        Campaign = new CrashCampaign(cli, _root);
        await Campaign.PrepareAsync();
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// kill -9 (a <see cref="CrashPoint"/> in a child ortagent) at one arrival at each kind of point: mid-epoch after a
/// checkpoint (so <c>metrics.jsonl</c> must be trimmed on resume), between a checkpoint's tensors and its properties,
/// between a file's write and its rename, between the two renames of the promotion's swap, inside the export's staging
/// and in the middle of a predictions file; and mid-way through a distillation and in its export. Each must leave
/// nothing torn under a final name, and the next run must give the uninterrupted run's model bytes, metrics and
/// predictions with no temporary left. <c>tools/fault-injection</c> runs every arrival at every point.
/// </summary>
public sealed class CrashPointTests(CrashCampaignFixture fixture) : IClassFixture<CrashCampaignFixture>
{
    public static TheoryData<string, string, int> Scenarios => new()
    {
        // 44 texts at batch 8 are 6 steps an epoch: the 100 minimum steps make 17 epochs, checkpointed after epoch 9 (step
        // 54, the first epoch end 50 steps in) and at the end. Step 60 is mid-epoch 10, after that checkpoint, with the
        // small validation set's window of three evaluations spanning the kill.
        { "train", CrashPoint.TrainStep, 60 },
        { "train", CrashPoint.CheckpointTensorsWritten, 1 },
        { "train", CrashPoint.FileWritten, 2 },
        // While the run is set up: after its graphs, checkpoint, output.txt and data.txt, before its settings record.
        // --resume continued it on default settings.
        { "train", CrashPoint.FileWritten, 8 },
        { "train", CrashPoint.BetweenRenames, 4 },              // 2 checkpoints, the export, then the promotion
        { "train", CrashPoint.ExportModelWritten, 1 },
        { "predict", CrashPoint.PredictionsWritten, 2 },
        // The distillation runs the same loop: the same 60 steps in, after its spaced checkpoint; and inside its export.
        { "distill", CrashPoint.TrainStep, 60 },
        { "distill", CrashPoint.ExportModelWritten, 1 },
        // Before the student's checkpoint takes the teacher's head: --resume trained on from a random head.
        { "distill", CrashPoint.CheckpointTensorsWritten, 1 },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task AKillLeavesNothingTornAndTheNextRunEndsAsAnUninterruptedOne(string command, string point, int arrival)
    {
        var outcome = await fixture.Campaign.TryAsync(new CrashScenario(command, point, arrival));

        Assert.True(outcome.Crashed, $"the run ended before arrival {arrival} at {point}");
        Assert.Empty(outcome.Failures);
        Assert.Equal(0, outcome.DataLost);
    }
}
