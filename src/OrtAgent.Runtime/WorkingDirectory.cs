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
    public static void RequireFor(string path)
    {
        if (!Path.IsPathRooted(path) && CurrentOrNull() is null) throw new UserInputException(GoneMessage());
    }

    /// <summary>Whether <paramref name="ex"/> is .NET failing to resolve a relative path because the working directory is gone.</summary>
    public static bool IsGone(Exception ex) => ex is FileNotFoundException { FileName: null } && CurrentOrNull() is null;

    /// <summary>
    /// What to tell the user, naming the directory as the shell knew it (<c>PWD</c>; the process itself cannot learn
    /// the name of a directory that is gone).
    /// </summary>
    public static string GoneMessage()
    {
        string? shells = Environment.GetEnvironmentVariable("PWD");
        string which = string.IsNullOrEmpty(shells) || Directory.Exists(shells) ? "" : $" {shells}";
        return $"the working directory{which} no longer exists; cd to an existing directory, or give absolute paths";
    }
}
