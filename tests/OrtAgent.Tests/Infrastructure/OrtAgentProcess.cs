using System.Diagnostics;
using OrtAgent.Cli;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>
/// Runs <c>ortagent</c> as a child process, for what an in-process run cannot show: its own working directory and home,
/// another user's permissions, an environment variable read at start-up, or a process that dies.
/// </summary>
internal sealed class OrtAgentProcess
{
    /// <summary>The unprivileged user (nobody) that permission tests run as when the suite itself runs as root.</summary>
    public const int UnprivilegedId = 65534;

    /// <summary>True when the suite runs as root, which file permissions do not stop.</summary>
    public static bool RunningAsRoot => System.Environment.UserName == "root";

    /// <summary>The working directory of the child; the test process's when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set (or, with a null value, removed) in the child's environment.</summary>
    public Dictionary<string, string?> Environment { get; init; } = [];

    /// <summary>
    /// Run as an unprivileged user: through <c>setpriv</c> as nobody when the suite runs as root, as the current
    /// (already unprivileged) user otherwise.
    /// </summary>
    public bool Unprivileged { get; init; }

    /// <summary>
    /// Whether the child starts with SIGHUP ignored, as under <c>nohup</c> (true), or with its default (false), through
    /// coreutils' <c>env</c>; null inherits the suite's, which a runner started under nohup ignores.
    /// </summary>
    public bool? HangUpIgnored { get; init; }

    /// <summary>
    /// Whether the child starts with SIGINT at its default, through coreutils' <c>env</c>: a suite run in the background
    /// by a non-interactive shell (as <c>.ci/run &amp;</c> is) has SIGINT ignored, which every child inherits, and .NET
    /// then leaves it ignored.
    /// </summary>
    public bool InterruptDefault { get; init; }

    /// <summary>
    /// Whether the child writes its stderr into its stdout (through <c>sh</c>, which <c>exec</c>s it), so that lines of
    /// both come in the order they were written; <see cref="Process.StandardError"/> then reads nothing.
    /// </summary>
    public bool ErrorIntoOutput { get; init; }

    /// <summary>
    /// A script for <c>sh -c</c> that runs the child as <c>"$@"</c>, for what only a shell sets up: a stream closed at
    /// start (<c>exec "$@" 2&gt;&amp;-</c>), a working directory removed from under it; null runs the child directly.
    /// </summary>
    public string? Shell { get; init; }

    /// <summary>Starts the child with stdout and stderr redirected.</summary>
    public Process Start(IEnumerable<string> args)
    {
        var cli = Path.Combine(Path.GetDirectoryName(typeof(CliApp).Assembly.Location)!, "ortagent.dll");
        string[] command = ["dotnet", cli];
        if (ErrorIntoOutput) command = ["sh", "-c", "exec \"$@\" 2>&1", "sh", .. command];
        if (Shell is not null) command = ["sh", "-c", Shell, "sh", .. command];
        string[] signals = [.. HangUpIgnored is bool ignored ? [ignored ? "--ignore-signal=HUP" : "--default-signal=HUP"] : Array.Empty<string>(),
            .. InterruptDefault ? ["--default-signal=INT"] : Array.Empty<string>()];
        if (signals.Length > 0) command = ["env", .. signals, .. command];
        if (Unprivileged && RunningAsRoot) command = ["setpriv", $"--reuid={UnprivilegedId}", $"--regid={UnprivilegedId}", "--clear-groups", "--", .. command];
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        foreach (var arg in command.Skip(1).Concat(args)) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in Environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start ortagent");
    }

    /// <summary>Runs the child to its end (at most <paramref name="timeout"/>, 2 minutes by default).</summary>
    public async Task<CliRun> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ortagent {string.Join(' ', args)} did not finish in {timeout ?? TimeSpan.FromMinutes(2)}");
        }
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
