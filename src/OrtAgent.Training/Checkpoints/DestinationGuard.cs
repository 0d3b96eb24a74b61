namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// The one rule for directories OrtAgent replaces as a whole (exported and promoted models, checkpoints, pulled
/// base models, and any store built on <see cref="AtomicDirectory"/>): OrtAgent replaces a directory only when it holds
/// nothing but files OrtAgent wrote there, so replacing it can never delete anything else.
/// </summary>
/// <remarks>
/// <para>A directory may be replaced when it does not exist yet, is empty, or every file in it is listed in its
/// <see cref="WrittenFilesManifest"/> and belongs to the expected <see cref="DirectoryLayout"/> (a checkpoint is never
/// replaced by a model, nor a model by an adapter); a directory written before the manifest existed qualifies when its files are
/// among its <see cref="DirectoryLayout"/>'s and it carries that layout's mark.</para>
/// <para>Never replaced, whatever they hold: a file, the file-system root, a mount point (<see cref="MountPoint"/>), the home directory, and the current directory
/// or any of its ancestors (compared by device and inode, so links and relative spellings do not slip through).</para>
/// <para>Never created inside another OrtAgent directory (<see cref="EnsureOutsideOrtAgentDirectories"/>), which would
/// then hold a folder it did not write.</para>
/// <para>Call <see cref="Check"/> before any work whose result would go there (training, exporting), so a refusal costs
/// nothing and writes nothing; <see cref="AtomicDirectory.Replace"/> applies <see cref="EnsureReplaceable"/> again at
/// the moment of the swap.</para>
/// </remarks>
public static class DestinationGuard
{
    /// <summary>
    /// Everything <see cref="AtomicDirectory.Replace"/> will need at <paramref name="target"/>, checked up front: its
    /// names fit the file system, it may be replaced (<see cref="EnsureReplaceable"/>), it is not inside another OrtAgent
    /// directory, and its parent can be written.
    /// </summary>
    /// <param name="target">The directory that will be replaced or created.</param>
    /// <param name="layout">What kind of OrtAgent directory is expected there.</param>
    /// <param name="what">How the message names the destination (an option and its value); the path when null.</param>
    /// <exception cref="UserInputException">The destination may not be replaced, or cannot be written.</exception>
    public static void Check(string target, DirectoryLayout layout, string? what = null)
    {
        FileNameLimit.EnsureWithin(target, what ?? Path.GetFullPath(target));
        // A crashed run's leftovers first: its retired copy may be the only copy of what is at the target.
        TemporarySiblings.Sweep(target);
        EnsureReplaceable(target, layout, what);
        // After what the target is, which says more of an OrtAgent directory inside another (a run's checkpoint).
        EnsureOutsideOrtAgentDirectories(target, what);
        // Then, in a directory that may be replaced, a dead writer's temporary of one of its files (a killed export --explain).
        TemporarySiblings.SweepIn(target, OwnNames(layout));
        EnsureWritable(target, what);
    }

    /// <summary>Refuses unless <paramref name="target"/> may be replaced by a new directory (see the remarks).</summary>
    /// <exception cref="UserInputException">It is a file, a protected directory, a mount point, a run's training artifacts, or holds files
    /// OrtAgent did not write.</exception>
    public static void EnsureReplaceable(string target, DirectoryLayout layout, string? what = null)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        what ??= full;
        if (File.Exists(full)) throw Refuse(what, "is a file, not a directory");
        if (!Directory.Exists(full)) return;
        if (ProtectedReason(full) is { } reason) throw Refuse(what, $"is {reason}; OrtAgent never replaces it");
        // A replace renames the old directory away, which the kernel refuses for a mount point (a Docker volume) only
        // at the end, after the training: said now, with the way that works.
        if (MountPoint.Is(full))
            throw Refuse(what, $"is a mount point, which OrtAgent cannot replace whole; give a folder inside it, e.g. {Path.Combine(target, "model")}");
        // OrtAgent wrote a run's artifacts, but keeps no manifest there: said as what they are, not as files of unknown origin.
        if (Artifacts.TrainingArtifacts.IsArtifactsDirectory(full))
            throw Refuse(what, $"is {TrainingArtifactsDescription}, not {layout.Description}; choose a new or empty directory");

        // A dead writer's temporary of one of the kind's files, at the top (.explain.onnx.tmp-PID), is OrtAgent's own leftover
        // and goes with the directory; a live writer's, or a look-alike further down, is not.
        var own = OwnNames(layout);
        var files = WrittenFilesManifest.FilesIn(full)
            .Where(f => f.Contains('/') || TemporarySiblings.LeftoverTargetNameOf(Path.Combine(full, f)) is not { } name || !own.Contains(name)).ToList();
        if (files.Count == 0) return;
        var written = WrittenFilesManifest.Read(full);
        var foreign = written is not null
            ? files.Where(f => !written.Contains(f)).ToList()
            : files.Where(f => !layout.Files.Contains(f, StringComparer.Ordinal)).ToList();
        if (foreign.Count > 0)
            throw Refuse(what, $"holds files OrtAgent did not write ({Describe(foreign)}); choose a new or empty directory");
        // OrtAgent's own files of another kind: an export over a checkpoint would end the run it belongs to.
        var otherKind = files.Where(f => !layout.Files.Contains(f, StringComparer.Ordinal)).ToList();
        if (otherKind.Count > 0)
            throw Refuse(what, $"is {DirectoryLayout.Describe(files)} ({Describe(otherKind)}), not {layout.Description}; choose a new or empty directory");
        if (written is null && !layout.IsMarked(full))
            throw Refuse(what, $"is not {layout.Description} ({Describe(files)}); choose a new or empty directory");
    }

    /// <summary>
    /// Refuses a <paramref name="target"/> inside another OrtAgent directory (an exported model, a run's artifacts, a
    /// checkpoint, an adapter, a pulled base model), its links followed: written there, it would be a file that
    /// directory's owner did not write, and replacing that directory later (an export into it) would be refused.
    /// </summary>
    /// <exception cref="UserInputException">An existing folder above the target is one of OrtAgent's own.</exception>
    public static void EnsureOutsideOrtAgentDirectories(string target, string? what = null)
    {
        var real = RealPath.Of(target);
        for (var parent = Path.GetDirectoryName(real); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent) && OrtAgentDirectoryKind(parent) is { } kind)
                throw Refuse(what ?? real, $"is inside {parent}, {kind}; choose a folder outside it");
        }
    }

    /// <summary>What OrtAgent directory <paramref name="directory"/> is ("an exported OrtAgent model"), or null for any other.</summary>
    private static string? OrtAgentDirectoryKind(string directory)
    {
        if (WrittenFilesManifest.Read(directory) is { } written) return DirectoryLayout.Describe(written);
        if (Artifacts.TrainingArtifacts.IsArtifactsDirectory(directory)) return TrainingArtifactsDescription;
        // Exported before the manifest existed: marked by its model's metadata, read only when there is a model, and
        // then alone (OnnxModel.ReadMetadata), so an ancestor holding a large model.onnx costs a few small reads.
        return DirectoryLayout.ExportedModel.IsMarked(directory) ? DirectoryLayout.ExportedModel.Description : null;
    }

    /// <summary>
    /// True when <paramref name="path"/> is a file with bytes in it. The guard reads files in folders the user never
    /// named (every ancestor of an output): a FIFO or a device there reports no length, and opening one would wait
    /// for a writer forever; an empty file is no model nor manifest either.
    /// </summary>
    internal static bool HasBytes(string path)
    {
        var file = new FileInfo(path);
        return file.Exists && file.Length > 0;
    }

    private const string TrainingArtifactsDescription = "a run's training artifacts";

    private static HashSet<string> OwnNames(DirectoryLayout layout) => [.. layout.Files, WrittenFilesManifest.FileName];

    /// <summary>Refuses unless OrtAgent can create <paramref name="target"/> (or rename it away) in its parent.</summary>
    /// <exception cref="UserInputException">The nearest existing parent is a file or cannot be written.</exception>
    public static void EnsureWritable(string target, string? what = null)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        what ??= full;
        if (FileOnPath.Above(full) is { } file) throw Refuse(what, $"'{file}' is a file, not a directory");
        var parent = Path.GetDirectoryName(full);
        while (parent is not null && !Directory.Exists(parent)) parent = Path.GetDirectoryName(parent);
        if (parent is null) return;
        EnsureCanCreateFilesIn(parent, what);
    }

    /// <summary>
    /// Refuses unless OrtAgent can create (and so rename and delete) files in <paramref name="directory"/>, an existing
    /// directory written in place rather than replaced: a resumed run's artifacts.
    /// </summary>
    /// <exception cref="UserInputException">The directory cannot be written.</exception>
    internal static void EnsureCanCreateFilesIn(string directory, string what)
    {
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        // Permissions, ACLs, read-only mounts and root's privileges all decide; only trying tells.
        var probe = WriteProbe.PathIn(folder);
        try
        {
            WriteProbe.CreateAndDelete(probe);
        }
        // A full disk, where even an empty file takes an inode or a directory block, is not the user's mistake: it goes on to
        // the full-disk line (exit 1) rather than this refusal (exit 2).
        catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException io && !DiskFull.Is(io))
        {
            // The probe's own name would only puzzle: the reason is the directory's.
            string reason = ex switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "it takes no new files",
                _ => ex.Message.Replace(probe, folder, StringComparison.Ordinal),
            };
            throw Refuse(what, $"cannot write in '{folder}' ({reason})");
        }
    }

    /// <summary>Why <paramref name="directory"/> is never replaced, or null.</summary>
    private static string? ProtectedReason(string directory)
    {
        if (Path.GetDirectoryName(directory) is null) return "the root of the file system";
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0 && UnixFileStatus.SameFile(directory, home)) return "the home directory";
        // A working directory removed under the process (the shell's folder deleted) is none to protect, and asking for it fails.
        var current = OrtAgent.Runtime.WorkingDirectory.CurrentOrNull();
        for (var d = current; d is not null; d = Path.GetDirectoryName(d))
            if (UnixFileStatus.SameFile(directory, d))
                return d == current ? "the current directory" : "an ancestor of the current directory";
        return null;
    }

    /// <summary>Up to three file names, quoted, and how many more: for refusal messages.</summary>
    internal static string Describe(IReadOnlyList<string> files) =>
        PrintableText.QuoteAll(files.Order(StringComparer.Ordinal).Take(3)) + (files.Count > 3 ? $" and {files.Count - 3} more" : "");

    private static UserInputException Refuse(string what, string reason) => new(new ValueRefusal(what, reason));
}
