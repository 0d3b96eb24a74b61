using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace OrtAgent.Progress;

/// <summary>
/// A Spectre.Console progress bar when the console is interactive; otherwise an information log line at the start,
/// every few seconds and at the end (category <c>OrtAgent.Progress</c>, shown by default through appsettings.json),
/// so redirected runs and CI logs show progress without terminal control codes.
/// </summary>
internal sealed class ConsoleProgressDisplay(IAnsiConsole console, ILogger<ConsoleProgressDisplay> logger) : IProgressDisplay
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    public Task<T> RunAsync<T>(string description, long total, Func<IProgress<long>, Task<T>> work) =>
        console.Profile.Capabilities.Interactive ? RunWithBarAsync(description, total, work) : RunWithLogAsync(description, total, work);

    private Task<T> RunWithBarAsync<T>(string description, long total, Func<IProgress<long>, Task<T>> work) =>
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                return Task.Run(() => work(new Reporter(done => task.Value = done)));
            });

    private async Task<T> RunWithLogAsync<T>(string description, long total, Func<IProgress<long>, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        var gate = new object();
        logger.LogInformation("{Description}: 0/{Total}", description, total);
        var result = await Task.Run(() => work(new Reporter(done =>
        {
            lock (gate)
            {
                if (clock.Elapsed - lastLog < LogInterval) return;
                lastLog = clock.Elapsed;
            }
            logger.LogInformation("{Description}: {Done}/{Total} ({Percent:F0}%, {Rate:F1}/s)",
                description, done, total, 100.0 * done / Math.Max(1, total), done / clock.Elapsed.TotalSeconds);
        }))).ConfigureAwait(false);
        logger.LogInformation("{Description}: done, {Total} in {Seconds:F1} s", description, total, clock.Elapsed.TotalSeconds);
        return result;
    }

    /// <summary>Calls back synchronously on the reporting thread, unlike <see cref="Progress{T}"/>, which posts.</summary>
    private sealed class Reporter(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
