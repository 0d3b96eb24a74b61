using OrtAgent.Runtime;
using System.Text;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// The limit on the length of one name in a path, and what OrtAgent does about it: a destination whose name is over
/// the limit is refused before any work (<see cref="EnsureWithin"/>), and the names OrtAgent derives from a legal
/// destination's name for files beside it (its lock file <c>.NAME.lock</c>, its temporaries <c>NAME.tmp-PID</c>) never
/// go over it (<see cref="Stem"/>), so a destination the user could name never fails on a name the user did not choose.
/// </summary>
internal static class FileNameLimit
{
    /// <summary>
    /// The longest name a directory entry takes: 255 bytes on Linux and macOS (NAME_MAX), 255 UTF-16 code units on
    /// Windows; counted in UTF-8 bytes, which are never fewer than UTF-16 units.
    /// </summary>
    public const int MaxBytes = TemporaryNames.MaxNameBytes;

    /// <summary>
    /// Refuses <paramref name="path"/> when one of its names is longer than <see cref="MaxBytes"/>: the file system
    /// would refuse it only when the work is done and its result is written.
    /// </summary>
    /// <param name="path">The destination, as the user named it.</param>
    /// <param name="what">How the message names the destination (an option and its value).</param>
    /// <exception cref="UserInputException">A name in the path is too long.</exception>
    public static void EnsureWithin(string path, string what)
    {
        foreach (var name in Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
        {
            int bytes = Encoding.UTF8.GetByteCount(name);
            if (bytes > MaxBytes)
                throw new UserInputException(new ValueRefusal(what, $"a name in it is {bytes} bytes long (in UTF-8), and a file system takes at most {MaxBytes}; choose a shorter name"));
        }
    }

    /// <summary>
    /// What stands for <paramref name="name"/> in a derived name that adds <paramref name="decorationBytes"/> bytes to it
    /// (the most it can add: a process id of any length): <paramref name="name"/> itself when the two fit in
    /// <see cref="MaxBytes"/>, else its longest beginning that leaves room for '~' and a hash of the whole name. The
    /// same name and decoration always give the same stem, so every process derives the same lock and finds the same
    /// temporaries; a name that fitted before keeps its siblings' names.
    /// </summary>
    public static string Stem(string name, int decorationBytes) => TemporaryNames.Stem(name, decorationBytes);
}
