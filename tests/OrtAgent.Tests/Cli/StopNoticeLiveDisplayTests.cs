using OrtAgent.Cli;
using OrtAgent.FineTuning;
using Spectre.Console;

namespace OrtAgent.Tests.Cli;

/// <summary>
/// The first Ctrl+C's line, on a terminal showing the training progress bar: written to stderr from the signal's thread,
/// it was drawn over at the bar's next refresh ("…96% 00:00:00  topping: the run finishes this step…"). While the bar
/// runs, the observer takes the line and the bar draws it above itself.
/// </summary>
public sealed class StopNoticeLiveDisplayTests
{
    private const string Line = "stopping: the run finishes this step and writes a checkpoint";

    private static (IAnsiConsole Console, StringWriter Output) Console(bool interactive)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        return (console, output);
    }

    [Fact]
    public void WhileTheProgressBarRunsTheObserverShowsTheStopLineAndAfterItNothingDoes()
    {
        var (console, output) = Console(interactive: true);
        var notice = new StopNotice();
        var observer = new ConsoleTrainingObserver(console, "ortagent train --resume artifacts/m", notice);

        bool shownLive = observer.Run(() => notice.TryShowLive(Line));

        Assert.True(shownLive);
        Assert.Contains(Line, output.ToString());
        // The bar has ended: the line is the caller's to write (to stderr).
        Assert.False(notice.TryShowLive("stopping: later"));
        Assert.DoesNotContain("stopping: later", output.ToString());
    }

    [Fact]
    public void WithoutALiveDisplayTheStopLineIsLeftToStderr()
    {
        var (console, output) = Console(interactive: false);
        var notice = new StopNotice();
        var observer = new ConsoleTrainingObserver(console, "ortagent train --resume artifacts/m", notice);

        bool shownLive = observer.Run(() => notice.TryShowLive(Line));

        Assert.False(shownLive);
        Assert.DoesNotContain(Line, output.ToString());
    }

    /// <summary>
    /// Where a stopped run's checkpoint is, and how to continue it, was written to stdout, where a script keeps results;
    /// it goes to stderr, after the bar ends (the bar redraws over a line written past it while it runs).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheStoppedAtCheckpointLineGoesToStderrAfterTheBar(bool interactive)
    {
        var (console, output) = Console(interactive);
        using var error = new StringWriter();
        var observer = new ConsoleTrainingObserver(console, "ortagent train --resume artifacts/m", new StopNotice(), error);
        string? writtenDuringTheBar = null;

        Assert.Throws<OperationCanceledException>(() => observer.Run<int>(() =>
        {
            observer.OnStoppedAtCheckpoint(9, "artifacts/m/checkpoint");
            writtenDuringTheBar = error.ToString();
            throw new OperationCanceledException();
        }));

        Assert.Equal("Cancelled at step 9; checkpoint written to artifacts/m/checkpoint. To continue this run: ortagent train --resume artifacts/m\n",
            error.ToString().ReplaceLineEndings("\n"));
        Assert.DoesNotContain("Cancelled", output.ToString());
        Assert.Equal(interactive ? "" : error.ToString(), writtenDuringTheBar);
    }

    [Fact]
    public void AnEndedDisplayDoesNotTakeTheRouteFromOneStartedAfterIt()
    {
        var notice = new StopNotice();
        var shown = new List<string>();
        var first = notice.ShowThrough(line => shown.Add("first: " + line));
        using var second = notice.ShowThrough(line => shown.Add("second: " + line));
        first.Dispose();

        Assert.True(notice.TryShowLive(Line));
        Assert.Equal(["second: " + Line], shown);
    }
}
