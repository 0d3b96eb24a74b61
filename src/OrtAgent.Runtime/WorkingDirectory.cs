namespace OrtAgent.Runtime;

/// <summary>
/// The process's working directory, which can vanish under it: a shell that entered a folder since removed
/// (<c>cd /tmp/g; rmdir /tmp/g</c>) starts programs in a directory that no longer exists. Absolute paths still resolve
/// then; every relative one fails inside .NET (getcwd's ENOENT, a <see cref="FileNotFoundException"/> naming no file),
/// which the CLI recognises here and says in one line. The few places that ask for the directory itself ask here.
/// </summary>
internal static class WorkingDirectory
{
    /// <summary>The working directory, or null when it no longer exists.</summary>
    public static string? CurrentOrNull()
    {
        try
        {
            return Directory.GetCurrentDirectory();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Refuses <paramref name="path"/> when it is relative and the working directory is gone, for a check that would
    /// otherwise say it is missing: <see cref="File.Exists(string)"/> answers false, not an error, for such a path.
    /// </summary>
    /// <exception cref="UserInputException">The path is relative and the working directory is gone.</exception>
    /// <param name="path">The path to resolve.</param>
    /// <param name="named">What set the path (<c>--models-root</c>), for a message that says which relative path needed the directory; null when the path is the user's own.</param>
    public static void RequireFor(string path, string? named = null)
    {
        if (!Path.IsPathRooted(path) && CurrentOrNull() is null) throw new UserInputException(GoneMessage(named is null ? null : $"{named} ({path})"));
    }

    /// <summary>Whether <paramref name="ex"/> is .NET failing to resolve a relative path because the working directory is gone.</summary>
    public static bool IsGone(Exception ex) => ex is FileNotFoundException { FileName: null } && CurrentOrNull() is null;

    /// <summary>
    /// What to tell the user, naming the directory as the shell knew it (<c>PWD</c>; the process itself cannot learn
    /// the name of a directory that is gone).
    /// </summary>
    /// <param name="relative">The relative path that needed the directory, as the message names it (<c>--models-root (models)</c>), when known.</param>
    public static string GoneMessage(string? relative = null)
    {
        string? shells = Environment.GetEnvironmentVariable("PWD");
        string which = string.IsNullOrEmpty(shells) || Directory.Exists(shells) ? "" : $" {shells}";
        string needed = relative is null ? "" : $", and {relative} is relative to it";
        return $"the working directory{which} no longer exists{needed}; cd to an existing directory, or give absolute paths";
    }
}
