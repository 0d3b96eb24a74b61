namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Where a path really leads, every symbolic link along it followed (as <c>realpath(3)</c> does), so that a check
/// of whether one folder lies inside another is not fooled by a link to a subfolder, or by a link to the folder itself.
/// </summary>
internal static class RealPath
{
    // Linux's own limit on the links one lookup follows (ELOOP): past it the path is a loop, left as written.
    private const int MaxLinks = 40;

    /// <summary>
    /// The full path of <paramref name="path"/> with the links among its existing components followed, each parent
    /// included; the components that do not exist yet are kept as written.
    /// </summary>
    /// <remarks>'..' in what the user typed is resolved by name first, as .NET does for every path it opens.</remarks>
    public static string Of(string path)
    {
        var full = Path.GetFullPath(path);
        var resolved = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        PushComponents(pending, full[resolved.Length..]);
        int links = 0;
        while (pending.TryPop(out var component))
        {
            if (component is "" or ".") continue;
            if (component == "..")
            {
                // The folder so far has no links left in it, so its parent by name is its parent on disk.
                resolved = Path.GetDirectoryName(resolved) ?? resolved;
                continue;
            }
            var next = Path.Combine(resolved, component);
            if (links == MaxLinks || LinkTarget(next) is not { } target)
            {
                resolved = next;
                continue;
            }
            links++;
            // A relative target is read from the link's folder; an absolute one starts again at its root.
            if (Path.IsPathRooted(target))
            {
                resolved = Path.GetPathRoot(target)!;
                target = target[resolved.Length..];
            }
            PushComponents(pending, target);
        }
        return resolved;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or lies under it, both resolved by <see cref="Of"/>.</summary>
    public static bool IsWithin(string path, string directory)
    {
        var p = Path.TrimEndingDirectorySeparator(Of(path));
        var d = Path.TrimEndingDirectorySeparator(Of(directory));
        return string.Equals(p, d, Comparison) || p.StartsWith(Path.EndsInDirectorySeparator(d) ? d : d + Path.DirectorySeparatorChar, Comparison);
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are one directory or either lies under the other (see <see cref="IsWithin"/>).</summary>
    public static bool Overlap(string a, string b) => IsWithin(a, b) || IsWithin(b, a);

    /// <summary>How file names compare where OrtAgent runs: case-insensitively on Windows and macOS.</summary>
    public static StringComparison Comparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static void PushComponents(Stack<string> pending, string relative)
    {
        var components = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        for (int i = components.Length - 1; i >= 0; i--) pending.Push(components[i]);
    }

    /// <summary>The target <paramref name="path"/> links to as the link holds it, or null for anything but a link.</summary>
    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A component that cannot be read is left as written: the write there will fail on its own, in its own words.
            return null;
        }
    }
}
