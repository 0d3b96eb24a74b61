using System.Globalization;
using System.Text.RegularExpressions;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Tells a path where a file system is mounted (a Docker volume, <c>mount --bind</c>) from other paths: the kernel
/// refuses to rename a mount point (EBUSY), and OrtAgent puts every output in place by renames. A bind mount of a folder
/// on the same file system has its parent's device number, so only the mount table tells: on Linux
/// <c>/proc/self/mountinfo</c>. Elsewhere nothing is known up front, and the failed rename says it (<see cref="IsBusy"/>).
/// </summary>
internal static class MountPoint
{
    private const string LinuxMountTable = "/proc/self/mountinfo";
    private const int DeviceOrResourceBusy = 16; // EBUSY on Linux and macOS, which .NET puts in HResult.

    /// <summary>
    /// True when <paramref name="path"/> (its links followed) is a mount point other than the root of the file system;
    /// false where the mount table cannot be read.
    /// </summary>
    public static bool Is(string path)
    {
        if (!OperatingSystem.IsLinux()) return false;
        string table;
        try
        {
            table = File.ReadAllText(LinuxMountTable);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return IsListedIn(table, RealPath.Of(path));
    }

    /// <summary>
    /// True when <paramref name="mountInfo"/>, text in the format of <c>/proc/self/mountinfo</c>, lists
    /// <paramref name="fullPath"/> as a mount point (the fifth field of a line); the root <c>/</c> never counts.
    /// </summary>
    public static bool IsListedIn(string mountInfo, string fullPath)
    {
        ArgumentNullException.ThrowIfNull(mountInfo);
        var path = Path.TrimEndingDirectorySeparator(fullPath);
        if (path.Length == 0 || path == "/") return false;
        foreach (var line in mountInfo.Split('\n'))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && string.Equals(Unescape(fields[4]), path, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>
    /// True when <paramref name="exception"/> is the kernel's EBUSY: what renaming a mount point (or a file another program
    /// holds so) fails with, as a replace reaches its last step where <see cref="Is"/> could not tell up front.
    /// </summary>
    public static bool IsBusy(IOException exception) =>
        !OperatingSystem.IsWindows() && exception.HResult == DeviceOrResourceBusy;

    // mountinfo writes a space, tab, newline or backslash in a path as three octal digits (\040).
    private static string Unescape(string field) =>
        field.Contains('\\') ? Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString(CultureInfo.InvariantCulture)) : field;
}
