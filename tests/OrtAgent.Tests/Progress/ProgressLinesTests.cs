using OrtAgent.Progress;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Progress;

/// <summary>The plain progress lines of redirected runs, on a clock the test moves.</summary>
public sealed class ProgressLinesTests
{
    private readonly StringWriter _output = new();
    private readonly ManualClock _clock = new();

    private ProgressLines Lines(long total) => new(_output, "predict x.csv", total, _clock, TimeSpan.FromSeconds(5));

    private string[] Printed => _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void AShortRun_PrintsTheFirstAndTheLastLineOnly()
    {
        var lines = Lines(200);

        lines.Start();
        for (int done = 8; done <= 200; done += 8)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            lines.Report(done);
        }
        lines.Finish();

        Assert.Equal(["predict x.csv: 0/200", "predict x.csv: done, 200 in 2.5 s"], Printed);
    }

    [Fact]
    public void ALongRun_PrintsALineEveryIntervalNotEveryBatch()
    {
        var lines = Lines(1000);

        lines.Start();
        // 100 batches of 10, one every 0.4 s (40 s in all): a line whenever 5 s have passed since the last, 7 of them, not 100.
        for (int batch = 1; batch <= 100; batch++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(400));
            lines.Report(batch * 10);
        }
        lines.Finish();

        Assert.Equal(
        [
            "predict x.csv: 0/1000",
            "predict x.csv: 130/1000 (13%, 25.0/s)",
            "predict x.csv: 260/1000 (26%, 25.0/s)",
            "predict x.csv: 390/1000 (39%, 25.0/s)",
            "predict x.csv: 520/1000 (52%, 25.0/s)",
            "predict x.csv: 650/1000 (65%, 25.0/s)",
            "predict x.csv: 780/1000 (78%, 25.0/s)",
            "predict x.csv: 910/1000 (91%, 25.0/s)",
            "predict x.csv: done, 1000 in 40.0 s",
        ], Printed);
    }

    [Fact]
    public void AStall_PrintsAtTheNextReportOnceTheIntervalHasPassed()
    {
        var lines = Lines(10);

        lines.Start();
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        lines.Report(1);
        _clock.Advance(TimeSpan.FromSeconds(60));
        lines.Report(2);
        _clock.Advance(TimeSpan.FromSeconds(1));
        lines.Report(3);

        Assert.Equal(["predict x.csv: 0/10", "predict x.csv: 2/10 (20%, 0.0/s)"], Printed);
    }
}
