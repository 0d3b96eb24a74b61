using System.Diagnostics;
using System.Reflection;

namespace OrtAgent.Bench;

/// <summary>
/// The <c>ortagent</c> CLI as a user runs it, for the whole-run rows: wall time includes process start, tokenizing,
/// generating the training graphs, every evaluation and the export; peak RSS is the CLI process's, sampled while it runs.
/// </summary>
public static class OrtAgentCli
{
    /// <summary>What one CLI run took and printed.</summary>
    public sealed record Result(double Seconds, double PeakMiB, string Stdout);

    /// <summary>
    /// Runs <c>ortagent</c> with <paramref name="arguments"/>, killing it (and its children) past <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="UserInputException">The CLI refused its arguments (exit code 2: a bad <c>--curve-args</c>, a missing file); the message is its own.</exception>
    /// <exception cref="ChildProcessFailedException">It failed otherwise or ran past <paramref name="timeout"/>.</exception>
    public static Result Run(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = Start();
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var a in arguments) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        double peak = double.NaN;
        var pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var command = $"ortagent {string.Join(' ', arguments)}";
        // VmHWM vanishes with the process (a zombie's status has none), so it is sampled while the process runs.
        while (!process.WaitForExit(200))
        {
            if (clock.Elapsed > timeout) ChildProcess.KillPastTimeout(process, timeout, command);
            try
            {
                var sample = PeakMemory.PeakResidentMiB(pid);
                if (!double.IsNaN(sample)) peak = double.IsNaN(peak) ? sample : Math.Max(peak, sample);
            }
            catch (IOException)
            {
                // The process ended between the wait and the read (its /proc entry went with it): the peak sampled so far stands.
            }
        }
        clock.Stop();
        // The CLI exits 2 for a mistake in what it was given, and says which in one line: that line is the user's answer.
        if (process.ExitCode == UserErrorExitCode)
            throw new UserInputException($"{command}: {stderr.Result.Trim()}");
        if (process.ExitCode != 0)
            throw new ChildProcessFailedException($"{command} exited with {process.ExitCode}:\n{ChildProcess.Tail(stderr.Result)}");
        return new Result(clock.Elapsed.TotalSeconds, peak, stdout.Result);
    }

    // ortagent's exit code for a user error (ExitCodes.UserError in the CLI, not referenced by the bench).
    private const int UserErrorExitCode = 2;

    /// <summary>The build of the CLI <see cref="Run"/> starts: <see cref="BuildStamp.OfDirectory"/> of its folder.</summary>
    /// <exception cref="FileNotFoundException">The CLI is not built.</exception>
    public static string Build() => BuildStamp.OfDirectory(Folder());

    /// <summary>
    /// A self-contained <c>ortagent</c> published beside this bench (tools/gpu's bundle, for machines without .NET), else
    /// the CLI built in the repository in the bench's configuration, run by <c>dotnet</c>.
    /// </summary>
    private static ProcessStartInfo Start()
    {
        var folder = Folder();
        if (folder == AppContext.BaseDirectory) return new ProcessStartInfo(Launcher(folder));
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Path.Combine(folder, "ortagent.dll"));
        return start;
    }

    /// <summary>The folder of the CLI <see cref="Start"/> runs.</summary>
    /// <exception cref="FileNotFoundException">The CLI is not built.</exception>
    private static string Folder()
    {
        // A build copies the CLI's launcher here too, without the program: only both together are a runnable CLI.
        var here = AppContext.BaseDirectory;
        if (File.Exists(Launcher(here)) && File.Exists(Path.Combine(here, "ortagent.dll"))) return here;
        var build = typeof(OrtAgentCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OrtAgentCliBuild").Value!;
        var folder = Path.Combine(RepositoryRoot.Find(), "src", "OrtAgent", "bin", build);
        var path = Path.Combine(folder, "ortagent.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"the ortagent CLI is not built at {path}; build the solution");
        return folder;
    }

    private static string Launcher(string folder) => Path.Combine(folder, OperatingSystem.IsWindows() ? "ortagent.exe" : "ortagent");
}
