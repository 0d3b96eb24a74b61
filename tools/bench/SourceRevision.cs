using System.ComponentModel;
using System.Diagnostics;

namespace OrtAgent.Bench;

/// <summary>
/// The commit of the repository the bench runs in, recorded in every JSON it writes, so that a published figure can
/// be traced to the code that produced it. <see cref="GitCommit"/> is "unknown" where there is no git or no repository
/// (a bench published without its sources); <see cref="UncommittedChanges"/> is null then. Shared with load-test and
/// fine-tuning-bench.
/// </summary>
public sealed record SourceRevision(string GitCommit, bool? UncommittedChanges)
{
    private static readonly Lazy<SourceRevision> Read = new(ReadFromGit);

    /// <summary>Read once per process: the commit does not change during a run, and git is a process start each time.</summary>
    public static SourceRevision Current => Read.Value;

    private static SourceRevision ReadFromGit()
    {
        try
        {
            var root = RepositoryRoot.Find();
            var commit = Git(root, "rev-parse", "HEAD");
            if (commit is null) return new("unknown", null);
            var changes = Git(root, "status", "--porcelain", "--untracked-files=no");
            return new(commit, changes is null ? null : changes.Length > 0);
        }
        catch (Exception ex) when (ex is UserInputException or Win32Exception or IOException)
        {
            // No repository above here, or no git on the PATH: the figures stand, their source is unknown.
            return new("unknown", null);
        }
    }

    /// <summary>git's trimmed output, or null when it fails or takes more than 10 s.</summary>
    private static string? Git(string repository, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-C", repository }.Concat(arguments)) start.ArgumentList.Add(a);
        using var git = Process.Start(start) ?? throw new Win32Exception("cannot start git");
        var output = git.StandardOutput.ReadToEndAsync();
        _ = git.StandardError.ReadToEndAsync();
        if (!git.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            git.Kill(entireProcessTree: true);
            return null;
        }
        return git.ExitCode == 0 ? output.Result.Trim() : null;
    }
}
