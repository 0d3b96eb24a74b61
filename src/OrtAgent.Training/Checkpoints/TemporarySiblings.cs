using OrtAgent.Runtime;
using System.Text.RegularExpressions;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Names for the temporary files and directories OrtAgent writes beside a destination before renaming them into place,
/// and the sweep that removes those of processes that died (<c>kill -9</c>, power loss) before they could clean up.
/// Every name carries the writer's process id, so a sweep can tell a dead writer's leftovers from a live one's work.
/// </summary>
/// <remarks>
/// A sibling is removed only when its process id names no running process, or is this process's own but the name was
/// not handed out by <see cref="For"/> in this process (a leftover of an earlier process that had the same id, as
/// happens in containers). A process id reused by an unrelated running process keeps the leftover until a later sweep:
/// never touching a live process's files comes first, so the sweep does not judge by times, which clocks and file
/// systems may skew (the loader's message does: <see cref="RunningProcesses.IsWriterRunning"/>).
/// </remarks>
public static class TemporarySiblings
{
    /// <summary>The kinds of temporary sibling; the word goes into the name.</summary>
    public static readonly IReadOnlyList<string> Purposes = TemporaryNames.Purposes;

    private static readonly Regex Pattern = new(@"^(?<hidden>\.)?(?<name>.+)\.(?<purpose>tmp|promote|replaced|pulling)-(?<pid>\d+)$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);

    /// <summary>
    /// <c>DIR/NAME.PURPOSE-PID</c> beside <paramref name="path"/> (<c>DIR/.NAME.PURPOSE-PID</c> when
    /// <paramref name="hidden"/>, for a file whose directory listing users read). A NAME too long to take the
    /// decoration within a directory entry's limit is cut short and ends in its hash (<see cref="FileNameLimit"/>).
    /// </summary>
    public static string For(string path, string purpose, bool hidden = false)
    {
        if (!Purposes.Contains(purpose)) throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "not a temporary purpose");
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var name = $"{(hidden ? "." : "")}{TemporaryNames.PrefixOf(Path.GetFileName(full), purpose)}{Environment.ProcessId}";
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, name);
        lock (HandedOut)
        {
            HandedOut[temporary] = HandedOut.TryGetValue(temporary, out var held) ? held with { Holders = held.Holders + 1 } : new HandedOutName(full, 1);
        }
        return temporary;
    }

    /// <summary>
    /// Hands out <paramref name="temporary"/>, a name of the writer's own choosing (a checkpoint's <c>checkpoint.next/</c>),
    /// as standing in for <paramref name="destination"/>, as <see cref="For"/> does its names: an error its write raises is
    /// told with the destination's name (<see cref="NameDestinations"/>), and it is released as theirs are (<see cref="Release"/>).
    /// </summary>
    /// <returns>The name to release, a full path.</returns>
    internal static string StandIn(string temporary, string destination)
    {
        var name = Path.TrimEndingDirectorySeparator(Path.GetFullPath(temporary));
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        lock (HandedOut)
            HandedOut[name] = HandedOut.TryGetValue(name, out var held) ? held with { Holders = held.Holders + 1 } : new HandedOutName(full, 1);
        return name;
    }

    /// <summary>
    /// Tells that <paramref name="temporary"/>, from <see cref="For"/>, is no longer in use: its content was renamed
    /// into place. Call it only after success: a failed write keeps its name, so the error it raised can still be told
    /// with the destination's (<see cref="NameDestinations"/>). Each <see cref="For"/> is released once; the name is
    /// forgotten when its last holder releases it, and a later sweep treats a file of that name as a leftover.
    /// </summary>
    public static void Release(string temporary)
    {
        lock (HandedOut)
        {
            if (!HandedOut.TryGetValue(temporary, out var held)) return;
            if (held.Holders > 1) HandedOut[temporary] = held with { Holders = held.Holders - 1 };
            else HandedOut.Remove(temporary);
        }
    }

    /// <summary>What stands for the destination <paramref name="full"/> in its temporaries' names (<see cref="FileNameLimit"/>).</summary>
    private static string StemOf(string full) => TemporaryNames.StemOf(Path.GetFileName(full));

    /// <summary>True when <paramref name="fileName"/> is a name <see cref="For"/> makes (a temporary sibling).</summary>
    public static bool IsTemporaryName(string fileName) => Pattern.IsMatch(fileName);

    /// <summary>
    /// Removes the temporary siblings of <paramref name="path"/> left by processes that are gone. A retired copy
    /// (<c>replaced</c>) whose destination is missing is the only copy of the old content (its writer died between its
    /// two renames), so it is renamed back instead.
    /// </summary>
    /// <returns>How many leftovers were removed or restored.</returns>
    public static int Sweep(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory)) return 0;
        var name = StemOf(full);
        int swept = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*" + name + ".*-*", new EnumerationOptions { AttributesToSkip = 0 }).ToList())
        {
            var match = Pattern.Match(Path.GetFileName(entry));
            if (!match.Success || match.Groups["name"].Value != name || !int.TryParse(match.Groups["pid"].Value, out int pid) || IsInUse(entry, pid)) continue;
            try
            {
                if (match.Groups["purpose"].Value == "replaced" && !Path.Exists(full)) Directory.Move(entry, full);
                else if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
                swept++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another process swept it first, or it is not ours to remove: either way nothing to do here.
            }
        }
        return swept;
    }

    /// <summary>
    /// The name <paramref name="path"/> stands in for when it is a temporary made by <see cref="For"/> whose writer is
    /// gone (what <see cref="Sweep"/> would remove); null for anything else, a live writer's temporary included.
    /// </summary>
    public static string? LeftoverTargetNameOf(string path)
    {
        var match = Pattern.Match(Path.GetFileName(path));
        return match.Success && int.TryParse(match.Groups["pid"].Value, out int pid) && !IsInUse(Path.GetFullPath(path), pid) ? match.Groups["name"].Value : null;
    }

    /// <summary>The name a temporary made by <see cref="For"/> stands in for (<c>explain.onnx</c> for <c>.explain.onnx.tmp-42</c>), or null.</summary>
    private static string? TargetNameOf(string fileName) => Pattern.Match(fileName) is { Success: true } match ? match.Groups["name"].Value : null;

    /// <summary>
    /// Sweeps the temporaries a dead writer left <em>inside</em> <paramref name="directory"/> for one of
    /// <paramref name="names"/> (a file it was replacing there, such as <c>.explain.onnx.tmp-PID</c>), as
    /// <see cref="Sweep"/> does beside a path. Only names OrtAgent writes there are swept, never a user's file that
    /// happens to look like a temporary.
    /// </summary>
    /// <returns>How many leftovers were removed or restored.</returns>
    public static int SweepIn(string directory, IEnumerable<string> names)
    {
        if (!Directory.Exists(directory)) return 0;
        var own = names.ToHashSet(StringComparer.Ordinal);
        return Directory.EnumerateFileSystemEntries(directory, "*.*-*", new EnumerationOptions { AttributesToSkip = 0 })
            .Select(entry => TargetNameOf(Path.GetFileName(entry)))
            .OfType<string>()
            .Where(own.Contains)
            .Distinct(StringComparer.Ordinal)
            .ToList()
            .Sum(name => Sweep(Path.Combine(directory, name)));
    }

    // Each temporary this process handed out and has not released (Release), with the destination it stands in for and
    // how many writers hold it. Released names go, so a service that runs job after job, each writing its own checkpoint,
    // model and log paths, keeps only the names in use and those of failed writes; until 2026-12-06 every name stayed
    // for the life of the process (several per job, and NameDestinations sorted them all on every full-disk error).
    private static readonly Dictionary<string, HandedOutName> HandedOut = new(StringComparer.Ordinal);

    private readonly record struct HandedOutName(string Destination, int Holders);

    /// <summary>The names handed out and not released whose destinations lie under <paramref name="directory"/> (for tests: what a finished job left held).</summary>
    internal static IReadOnlyList<string> HeldUnder(string directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + Path.DirectorySeparatorChar;
        lock (HandedOut)
            return [.. HandedOut.Where(entry => entry.Value.Destination.StartsWith(prefix, StringComparison.Ordinal)).Select(entry => entry.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Releases every name handed out for <paramref name="directory"/> or a destination under it, however many writers
    /// took it: for a host done with those destinations (a fine-tuning job that has ended), whose failed writes kept
    /// their names for errors told by now. A file still there under such a name is then a leftover the next sweep removes.
    /// </summary>
    internal static void ReleaseAllFor(string directory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var prefix = full + Path.DirectorySeparatorChar;
        lock (HandedOut)
            foreach (var name in HandedOut.Where(entry => entry.Value.Destination == full || entry.Value.Destination.StartsWith(prefix, StringComparison.Ordinal))
                         .Select(entry => entry.Key).ToList())
                HandedOut.Remove(name);
    }

    /// <summary>
    /// <paramref name="message"/> with each temporary this process handed out (<see cref="For"/>) named as the destination
    /// it stands in for: an error read after the failed write removed its temporary names a file the user chose, and
    /// one a path inside a temporary directory names its place in the destination.
    /// </summary>
    public static string NameDestinations(string message)
    {
        // Longest first: one temporary's name may begin another's (model.tmp-1 and model.tmp-12 in one folder).
        List<KeyValuePair<string, HandedOutName>> names;
        lock (HandedOut) names = [.. HandedOut];
        foreach (var (temporary, held) in names.OrderByDescending(entry => entry.Key.Length))
            if (message.Contains(temporary, StringComparison.Ordinal)) message = message.Replace(temporary, held.Destination, StringComparison.Ordinal);
        return message;
    }

    private static bool IsInUse(string entry, int pid)
    {
        if (pid == Environment.ProcessId)
            lock (HandedOut) return HandedOut.ContainsKey(entry);
        return RunningProcesses.IsRunning(pid);
    }
}
