using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Cli;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>One run of the CLI (in this process, or as a child with <see cref="IsolatedChildProcess"/>) with its exit code and captured stdout/stderr.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <c>ortagent</c> with <paramref name="args"/> in this process, capturing both streams.</summary>
    public static async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await CliApp.RunAsync(args, output, error, configureServices, cancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs <c>ortagent</c> with <paramref name="args"/> in this process and cancels it, as Ctrl+C does, once its stdout
    /// shows <paramref name="trigger"/> (a run's first evaluation line, say); the run itself decides where it stops.
    /// </summary>
    public static async Task<CliRun> RunCancelledOnAsync(string[] args, string trigger, Action<IServiceCollection>? configureServices = null)
    {
        using var cancel = new CancellationTokenSource();
        using var output = new CancellingWriter(trigger, cancel);
        using var error = new StringWriter();
        int exitCode = await CliApp.RunAsync(args, output, error, configureServices, cancel.Token);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>
    /// As <see cref="RunCancelledOnAsync"/>, cancelling once its stderr shows <paramref name="trigger"/> (a warning, say),
    /// at the moment the line is written.
    /// </summary>
    public static async Task<CliRun> RunCancelledOnErrorAsync(string[] args, string trigger)
    {
        using var cancel = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new CancellingWriter(trigger, cancel);
        int exitCode = await CliApp.RunAsync(args, output, error, configureServices: null, cancel.Token);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs <c>ortagent</c> with <paramref name="args"/> in this process until its stdout shows <paramref name="trigger"/>
    /// (a server's start line, say), then runs <paramref name="whileRunning"/> with what stdout holds by then, and then
    /// cancels the run as Ctrl+C does. A run that ends before the trigger is returned as it ended, without calling it.
    /// </summary>
    public static async Task<CliRun> RunWhileAsync(string[] args, string trigger, Func<string, Task> whileRunning)
    {
        var bound = TimeSpan.FromMinutes(2);
        using var cancel = new CancellationTokenSource();
        var shown = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var output = new SignallingWriter(trigger, shown);
        using var error = new StringWriter();
        var run = CliApp.RunAsync(args, output, error, configureServices: null, cancel.Token);
        if (await Task.WhenAny(shown.Task, run).WaitAsync(bound) == shown.Task)
        {
            try
            {
                await whileRunning(await shown.Task);
            }
            finally
            {
                await cancel.CancelAsync();
            }
        }
        int exitCode = await run.WaitAsync(bound);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>A <see cref="StringWriter"/> that completes <c>shown</c> with what was written once it holds <c>trigger</c>.</summary>
    private sealed class SignallingWriter(string trigger, TaskCompletionSource<string> shown) : StringWriter
    {
        public override void Write(char value)
        {
            base.Write(value);
            Signal();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Signal();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            Signal();
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            base.Write(buffer);
            Signal();
        }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            Signal();
        }

        public override void WriteLine(ReadOnlySpan<char> buffer)
        {
            base.WriteLine(buffer);
            Signal();
        }

        private void Signal()
        {
            if (!shown.Task.IsCompleted && GetStringBuilder().ToString() is var written && written.Contains(trigger, StringComparison.Ordinal)) shown.TrySetResult(written);
        }
    }

    /// <summary>A <see cref="StringWriter"/> that cancels <c>cancel</c> once what was written holds <c>trigger</c>.</summary>
    private sealed class CancellingWriter(string trigger, CancellationTokenSource cancel) : StringWriter
    {
        public override void Write(char value)
        {
            base.Write(value);
            CancelOnTrigger();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            CancelOnTrigger();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            CancelOnTrigger();
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            base.Write(buffer);
            CancelOnTrigger();
        }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            CancelOnTrigger();
        }

        public override void WriteLine(ReadOnlySpan<char> buffer)
        {
            base.WriteLine(buffer);
            CancelOnTrigger();
        }

        private void CancelOnTrigger()
        {
            if (!cancel.IsCancellationRequested && GetStringBuilder().ToString().Contains(trigger, StringComparison.Ordinal)) cancel.Cancel();
        }
    }

    /// <summary>The lines written to stderr, without the trailing empty one.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The lines written to stderr but its <c>warning:</c> lines, which a run that ends in an error may write first.</summary>
    public string[] ErrorLinesBesideWarnings => [.. ErrorLines.Where(line => !line.StartsWith("warning: ", StringComparison.Ordinal))];

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
