using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using OrtAgent.Cli;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>
/// Runs ortagent (or another app built from this repository) as a child process, the way a user runs it, with
/// <c>HOME</c> and <c>XDG_CACHE_HOME</c> in an empty directory of its own: a test sees every file the process leaves in
/// a user's home (<see cref="FilesInHome"/>). Variables through which the environment outside would decide ONNX
/// Runtime's telemetry for the child (<c>ORT_DISABLE_TELEMETRY</c>, CI markers such as <c>CI=true</c>, which ONNX
/// Runtime treats as an opt-out, OrtAgent's own opt-in) are removed, so the child decides alone; a test sets them in
/// <see cref="Environment"/>. Start a long-running command (<c>serve</c>, <c>mcp</c>) with <see cref="Start"/>.
/// </summary>
internal sealed class IsolatedChildProcess : IDisposable
{
    /// <summary>What ONNX Runtime 1.31 reads to switch its telemetry off from outside the process.</summary>
    private static readonly string[] OutsideTelemetrySwitches =
    [
        "ORT_DISABLE_TELEMETRY", "ORT_RUNNING_UNIT_TESTS", "ORTAGENT_ORT_TELEMETRY", "CI", "TF_BUILD", "GITHUB_ACTIONS",
        "GITLAB_CI", "CIRCLECI", "TRAVIS", "JENKINS_URL", "CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION", "APPVEYOR",
        "BITBUCKET_BUILD_NUMBER",
    ];

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private readonly TempDirectory _home = new("home");

    /// <param name="assemblyPath">The app to run under <c>dotnet</c>; ortagent itself by default.</param>
    public IsolatedChildProcess(string? assemblyPath = null) => AssemblyPath = assemblyPath ?? CliAssemblyPath;

    /// <summary>The ortagent build beside the tests.</summary>
    public static string CliAssemblyPath => Path.Combine(Path.GetDirectoryName(typeof(CliApp).Assembly.Location)!, "ortagent.dll");

    /// <summary>examples/edge-predict's build in the configuration these tests were built in (it is built first, see the project file).</summary>
    public static string EdgePredictAssemblyPath
    {
        get
        {
            var build = typeof(IsolatedChildProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "EdgePredictBuild").Value!;
            return Path.Combine(RepositoryRoot, "examples", "edge-predict", "bin", build, "edge-predict.dll");
        }
    }

    /// <summary>examples/train-classifier's build in the configuration these tests were built in (built first, as edge-predict is).</summary>
    public static string TrainClassifierAssemblyPath
    {
        get
        {
            var build = typeof(IsolatedChildProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "EdgePredictBuild").Value!;
            return Path.Combine(RepositoryRoot, "examples", "train-classifier", "bin", build, "train-classifier.dll");
        }
    }

    /// <summary>The checkout these tests were built in: the folder holding OrtAgent.sln above the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "OrtAgent.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("no OrtAgent.sln above the test binaries");
        }
    }

    public string AssemblyPath { get; }

    /// <summary>The child's HOME, empty until the child writes there.</summary>
    public string Home => _home.Path;

    /// <summary>Extra variables for the child, set after the outside switches are removed.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>How the child is started: arguments, isolated home and environment; stdout and stderr redirected.</summary>
    public ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[AssemblyPath, .. args]) start.ArgumentList.Add(arg);
        foreach (var name in OutsideTelemetrySwitches) start.Environment.Remove(name);
        start.Environment["HOME"] = Home;
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(Home, ".cache");
        foreach (var (name, value) in Environment) start.Environment[name] = value;
        return start;
    }

    /// <summary>Runs the child to the end (three minutes at most) and returns its exit code and output.</summary>
    public CliRun Run(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(RunTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(AssemblyPath)} {string.Join(' ', args)} did not finish in {RunTimeout.TotalMinutes} minutes");
        }
        return new CliRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the child and leaves it running; stop it with <see cref="Terminate"/>.</summary>
    public Process Start(params string[] args) => Process.Start(StartInfo(args))!;

    /// <summary>Asks <paramref name="process"/> to stop as Ctrl+C or a service manager would (SIGTERM), so it shuts down normally.</summary>
    public static void Terminate(Process process)
    {
        if (OperatingSystem.IsWindows()) process.Kill();
        else Signal(process, SigTerm);
    }

    /// <summary>Sends a POSIX signal (1 is SIGHUP, a closed terminal) without needing a kill binary on the machine.</summary>
    /// <param name="process">The child.</param>
    /// <param name="signal">The signal's number.</param>
    /// <param name="unlessGone">Send nothing, rather than fail, when the child has already exited (ESRCH).</param>
    public static void Signal(Process process, int signal, bool unlessGone = false)
    {
        const int NoSuchProcess = 3;
        if (kill(process.Id, signal) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        if (unlessGone && errno == NoSuchProcess) return;
        throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {errno}");
    }

    /// <summary>Every file and directory under <see cref="Home"/>, relative to it, sorted.</summary>
    public IReadOnlyList<string> FilesInHome() =>
        Directory.EnumerateFileSystemEntries(Home, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Home, path)).Order(StringComparer.Ordinal).ToList();

    public void Dispose() => _home.Dispose();

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
