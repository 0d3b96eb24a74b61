using OrtAgent.Cli;
using Spectre.Console;

namespace OrtAgent.Progress;

/// <summary>
/// A Spectre.Console progress bar when the console is interactive; otherwise plain lines on stderr at the start, every
/// few seconds and at the end (<see cref="ProgressLines"/>), so redirected runs and CI logs show progress without
/// terminal control codes or logger prefixes, as <c>train</c> prints its steps.
/// </summary>
internal sealed class ConsoleProgressDisplay(IAnsiConsole console, ErrorOutput error, TimeProvider time) : IProgressDisplay
{
    public Task<T> RunAsync<T>(string description, long total, Func<IProgress<long>, Task<T>> work) =>
        console.Profile.Capabilities.Interactive ? RunWithBarAsync(description, total, work) : RunWithLinesAsync(description, total, work);

    private Task<T> RunWithBarAsync<T>(string description, long total, Func<IProgress<long>, Task<T>> work) =>
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                return Task.Run(() => work(new Reporter(done => task.Value = done)));
            });

    private async Task<T> RunWithLinesAsync<T>(string description, long total, Func<IProgress<long>, Task<T>> work)
    {
        var lines = new ProgressLines(error.Writer, description, total, time, ProgressLines.DefaultInterval);
        lines.Start();
        var result = await Task.Run(() => work(new Reporter(lines.Report))).ConfigureAwait(false);
        lines.Finish();
        return result;
    }

    /// <summary>Calls back synchronously on the reporting thread, unlike <see cref="Progress{T}"/>, which posts.</summary>
    private sealed class Reporter(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
