using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>
/// What a server's client is told about a model that cannot be loaded or explained: the command line's line for the
/// problem (<see cref="Cli.OptionFlags.Describe"/>), with the model's directory written as the model's served name.
/// The runtime names the files at fault by their paths, and a server answered with them, telling any client its
/// directory layout (user names, mounts, the store's place); the full line goes to the server's log instead.
/// </summary>
internal static class ModelProblemText
{
    /// <summary>
    /// The problem in <paramref name="exception"/> described once, for the server's log (the whole line, paths included)
    /// and for its clients (<paramref name="directory"/> written as <paramref name="name"/>).
    /// </summary>
    public static (string ForLog, string ForClients) Describe(ModelLoadException exception, string directory, string name)
    {
        string line = Cli.OptionFlags.Describe(exception);
        return (line, ForClients(line, directory, name));
    }

    /// <summary><paramref name="line"/> (an I/O error's message, say) with <paramref name="directory"/> written as <paramref name="name"/>.</summary>
    public static string ForClients(string line, string directory, string name)
    {
        foreach (var spelling in Spellings(directory)) line = line.Replace(spelling, name, StringComparison.Ordinal);
        return line;
    }

    // The directory as a full path and as the server was given it, longer first. A bare relative name ("models") is
    // left alone: replacing it would rewrite the message's words, and it shows nothing above the working directory.
    private static IEnumerable<string> Spellings(string directory)
    {
        char[] separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];
        string full = Path.GetFullPath(directory).TrimEnd(separators);
        string given = directory.TrimEnd(separators);
        yield return full;
        if (given != full && given.IndexOfAny(separators) >= 0) yield return given;
    }
}
