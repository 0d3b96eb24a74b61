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
/// predictions with no temporary left. Linux exchanges directories in one step, so the two renames other systems swap
/// by are forced (<see cref="CrashPoint.SwapVariable"/>) for a kill between them: in a checkpoint save (the run resumes
/// from <c>checkpoint.old</c>) and in the promotion (the next run puts the retired model back before comparing).
/// <c>tools/fault-injection</c> runs every arrival at every point.
/// </summary>
public sealed class CrashPointTests(CrashCampaignFixture fixture) : IClassFixture<CrashCampaignFixture>
{
    public static TheoryData<string, string, int, bool> Scenarios => new()
    {
        // 44 texts at batch 8 are 6 steps an epoch: the 100 minimum steps make 17 epochs, checkpointed after epoch 9 (step
        // 54, the first epoch end 50 steps in) and at the end. Step 60 is mid-epoch 10, after that checkpoint, with the
        // small validation set's window of three evaluations spanning the kill.
        { "train", CrashPoint.TrainStep, 60, false },
        { "train", CrashPoint.CheckpointTensorsWritten, 1, false },
        { "train", CrashPoint.FileWritten, 2, false },
        // While the run is set up: after its graphs, checkpoint, output.txt and data.txt, before its settings record.
        // --resume continued it on default settings.
        { "train", CrashPoint.FileWritten, 8, false },
        { "train", CrashPoint.BetweenRenames, 4, false },              // 2 checkpoints, the export, then the promotion
        { "train", CrashPoint.ExportModelWritten, 1, false },
        // The last checkpoint's exchange, the old one left at checkpoint.next: the resumed run, already finished, saved no
        // checkpoint that would have removed it, and it stayed.
        { "train", CrashPoint.BetweenRenames, 2, false },
        // By two renames: the second checkpoint's save, with the first set aside as checkpoint.old; the promotion, with the
        // incumbent set aside as srv/model.replaced-PID.
        { "train", CrashPoint.BetweenRenames, 2, true },
        { "train", CrashPoint.BetweenRenames, 4, true },
        { "predict", CrashPoint.PredictionsWritten, 2, false },
        // The distillation runs the same loop: the same 60 steps in, after its spaced checkpoint; and inside its export.
        { "distill", CrashPoint.TrainStep, 60, false },
        { "distill", CrashPoint.ExportModelWritten, 1, false },
        // Before the student's checkpoint takes the teacher's head: --resume trained on from a random head.
        { "distill", CrashPoint.CheckpointTensorsWritten, 1, false },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task AKillLeavesNothingTornAndTheNextRunEndsAsAnUninterruptedOne(string command, string point, int arrival, bool byRenames)
    {
        var outcome = await fixture.Campaign.TryAsync(new CrashScenario(command, point, arrival, byRenames));

        Assert.True(outcome.Crashed, $"the run ended before arrival {arrival} at {point}");
        Assert.Empty(outcome.Failures);
        Assert.Equal(0, outcome.DataLost);
        // Killed between the renames of a swap over an existing directory, a swap by renames has set the old one aside.
        Assert.Equal(byRenames, outcome.LeftASetAsideCopy);
    }
}
