using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Cli;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// Once a stage is over, what a Ctrl+C would say of it is no longer so: a stop after a promotion, or after distill's
/// export, went on saying "the comparison stops before promoting" or "the export stops before the model is put in place".
/// </summary>
public sealed class StopNoticeAfterRunTests(TinyTrainingFixture tiny, DistillTeacherFixture teacher)
    : IClassFixture<TinyTrainingFixture>, IClassFixture<DistillTeacherFixture>, IDisposable
{
    private static readonly string DefaultLine = new StopNotice().StoppingLineFor(interrupt: true);

    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task AfterAPromotionTheNoticeIsBackToTheCommandsWords()
    {
        var notice = new StopNotice();
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--promote-to", _work.Combine("promoted")),
            configureServices: services => services.AddSingleton(notice));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(DefaultLine, notice.StoppingLineFor(interrupt: true));
    }

    [Fact]
    public async Task AfterDistillsExportTheNoticeIsBackToTheCommandsWords()
    {
        var notice = new StopNotice();
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path), configureServices: services => services.AddSingleton(notice));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(DefaultLine, notice.StoppingLineFor(interrupt: true));
    }
}
