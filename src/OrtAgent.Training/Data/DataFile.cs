using OrtAgent.Runtime;

namespace OrtAgent.Data;

/// <summary>
/// The one place a data file a user named (train's <c>--data</c> and <c>--validation</c>, predict's <c>--input</c>, a
/// library caller's path, an MCP client's <c>training_file</c>) is looked at and opened for reading. A FIFO, a device or
/// a socket passes <see cref="File.Exists(string)"/>, and opening it waits for a writer that may never come: a
/// <c>start_fine_tuning</c> call given a named pipe was never answered, and held the server past its client's hang-up.
/// Such a path is refused at once, in one line, before anything opens it; so is a directory.
/// </summary>
internal static class DataFile
{
    /// <summary>What a data path must name, for the messages.</summary>
    internal const string Expected = "expected a data file (.csv, .tsv, .jsonl)";

    /// <summary>Refuses <paramref name="path"/> unless it is a regular file (links followed).</summary>
    /// <exception cref="UserInputException">
    /// It does not exist (or is relative, and the working directory was removed), is a directory, or is a FIFO, device or socket.
    /// </exception>
    internal static void RequireRegularFile(string path)
    {
        if (RegularFile.OtherKind(path) is { } other) throw new UserInputException($"{path}: {other}; {Expected}");
        if (File.Exists(path)) return;
        WorkingDirectory.RequireFor(path);
        throw new UserInputException($"{path}: file not found");
    }

    /// <summary>Opens <paramref name="path"/> for reading once <see cref="RequireRegularFile"/> has passed it.</summary>
    /// <exception cref="UserInputException">It is not a regular file, or cannot be opened; the message names it.</exception>
    internal static FileStream OpenRead(string path, int bufferSize = 4096, FileOptions options = FileOptions.SequentialScan)
    {
        // Checked at every open, not once: a split reads the file in several passes, and it may have been replaced since.
        RequireRegularFile(path);
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options);
            CrashPoint.Reach(CrashPoint.DataOpened);
            return stream;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot open the file: {ex.Message}", ex);
        }
    }
}
