using System.Text;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Inference;

/// <summary>
/// A <c>.csv</c>, <c>.tsv</c> or <c>.jsonl</c> output file written under a temporary name beside it: <see cref="Commit"/> renames it
/// into place, and disposing without committing deletes it, so the destination holds either its old content or the
/// complete new file (an error or Ctrl+C midway leaves nothing half-written). A destination that is a symbolic link is
/// written through: the file it leads to is replaced and the link stays, as a shell's <c>&gt;</c> leaves it (the rename
/// put a regular file in the link's place, and the file it led to kept its old content).
/// </summary>
/// <remarks>Owns the temporary file and its writer until <see cref="Commit"/> hands the file over to the destination.</remarks>
internal sealed class AtomicOutputFile : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly string _temporaryPath;
    private readonly string _destination;
    private bool _committed;

    private AtomicOutputFile(string path, OutputFormat format)
    {
        Path = path;
        Format = format;
        _destination = Destination(path, path);
        // Beside the file replaced, so the rename stays within its folder (and file system), not the link's.
        _temporaryPath = TemporarySiblings.For(_destination, "tmp", hidden: true);
        try
        {
            TemporarySiblings.Sweep(_destination);
            CreationFault.Reach();
            _writer = new StreamWriter(_temporaryPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
        }
        // A full disk is not the user's mistake: it goes on to the full-disk line (exit 1), not this one (exit 2).
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !FineTuningService.Store.StorageFull.Is(ex))
        {
            // The temporary file's name is this class's business; the user named the output.
            string reason = ex switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "no file can be created in its folder",
                _ => ex.Message.Replace(_temporaryPath, path, StringComparison.Ordinal),
            };
            throw new UserInputException($"{path}: cannot write the output: {reason}", ex);
        }
    }

    /// <summary>The full path of the destination, as named (a symbolic link stays one; <see cref="Commit"/> replaces the file it leads to).</summary>
    public string Path { get; }

    /// <summary>The format the destination's extension asks for.</summary>
    public OutputFormat Format { get; }

    /// <summary>Whether the destination's extension asks for JSON Lines rather than CSV or TSV.</summary>
    public bool IsJsonLines => Format == OutputFormat.JsonLines;

    /// <summary>What separates the fields of a CSV or TSV row.</summary>
    public char Separator => Format == OutputFormat.Tsv ? '\t' : ',';

    /// <summary>Where the content goes (the temporary file until <see cref="Commit"/>).</summary>
    public TextWriter Writer => _writer;

    /// <summary>Checks that <paramref name="output"/> can be written and does not name <paramref name="input"/>.</summary>
    /// <param name="output">The file as the user named it.</param>
    /// <param name="input">The input file, which the output must not replace.</param>
    /// <param name="option">The option that named the output, for messages about its format.</param>
    /// <param name="modelDirectory">The model being read, inside which nothing may be written.</param>
    /// <exception cref="UserInputException">An unsupported extension, a missing directory, a folder, the input itself, or a file in the model.</exception>
    public static void CheckPath(string output, string input, string option, string modelDirectory)
    {
        _ = FormatOf(output, option);
        CheckLocation(output, option, modelDirectory);
        var full = Destination(System.IO.Path.GetFullPath(output), output);
        // By name, and by identity when both exist: a link or another spelling of the same file is the same file.
        if (string.Equals(full, System.IO.Path.GetFullPath(input), RealPath.Comparison) || (File.Exists(full) && UnixFileStatus.SameFile(full, input)))
            throw new UserInputException($"{output}: the output would overwrite the input; choose another file");
    }

    /// <summary>
    /// Checks that <paramref name="output"/> names a file in an existing folder, outside <paramref name="modelDirectory"/>:
    /// a page or a predictions file written there would replace the model's own files (model.onnx, metrics.jsonl), or
    /// leave a file that a later train --output into that folder refuses as foreign.
    /// </summary>
    /// <exception cref="UserInputException">A name too long, a folder, a FIFO or device, a missing directory, a mount point, or a path inside the model directory.</exception>
    public static void CheckLocation(string output, string option, string modelDirectory)
    {
        if (output.Length == 0) throw new UserInputException($"{option} '': a file name is required");
        FileNameLimit.EnsureWithin(output, $"{option} {output}");
        // What a link leads to is what is replaced, so that is what must be a file outside the model.
        var full = Destination(System.IO.Path.GetFullPath(output), output);
        if (Directory.Exists(full)) throw new UserInputException($"{output} is a folder; expected a file to write ({option})");
        // A FIFO or a device passes File.Exists, and the rename would put a regular file in its place: the reader at the
        // pipe's other end got nothing, and the pipe was gone.
        if (RegularFile.OtherKind(full) is { } other) throw new UserInputException($"{output}: {other}; expected a file to write ({option})");
        var directory = System.IO.Path.GetDirectoryName(full)!;
        if (FileOnPath.Above(full) is { } file) throw new UserInputException($"{option} {output}: '{file}' is a file, not a directory");
        if (!Directory.Exists(directory)) throw new UserInputException($"{output}: the directory {directory} does not exist");
        // The file is put in place by a rename, which the kernel refuses onto a mount point (a file given to docker run -v).
        if (File.Exists(full) && MountPoint.Is(full))
            throw new UserInputException($"{output}: is a mount point, which OrtAgent cannot replace; mount a folder and write the {option} to a file inside it");
        // Both with their links followed, each parent's too: a link to a folder in the model (or the model named through
        // a link) leads inside it as surely as its own name does. The identity catches a bind mount of the model.
        if (RealPath.IsWithin(directory, modelDirectory) || UnixFileStatus.SameFile(directory, modelDirectory))
            throw new UserInputException($"{output}: is inside the model directory {modelDirectory}, which is being read; write the {option} elsewhere");
    }

    /// <summary>
    /// The file that writing <paramref name="full"/> replaces: the one its symbolic link leads to, through any chain of
    /// links (a dangling link's target is created, as a shell's <c>&gt;</c> creates it), or <paramref name="full"/> itself.
    /// </summary>
    /// <exception cref="UserInputException">The links form a loop, naming <paramref name="output"/> as given.</exception>
    private static string Destination(string full, string output)
    {
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        // Nothing there (or no folder): no link to follow; the checks that follow say what is missing.
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return full;
        }
        catch (IOException ex)
        {
            throw new UserInputException($"{output}: a symbolic link that cannot be followed to a file ({ex.Message.TrimEnd('.')}); name the file itself", ex);
        }
    }

    /// <summary>Starts writing <paramref name="output"/>; its extension chooses the format.</summary>
    public static AtomicOutputFile Create(string output, string option) =>
        new(System.IO.Path.GetFullPath(output), FormatOf(output, option));

    /// <summary>Starts writing <paramref name="output"/>, whatever its extension, as text that is neither CSV nor JSON Lines.</summary>
    public static AtomicOutputFile CreateText(string output) => new(System.IO.Path.GetFullPath(output), OutputFormat.Csv);

    /// <summary>Flushes the file to disk and renames it onto the destination (the file a link leads to), replacing any file there.</summary>
    public void Commit()
    {
        _writer.Flush();
        ((FileStream)_writer.BaseStream).Flush(flushToDisk: true);
        _writer.Dispose();
        File.Move(_temporaryPath, _destination, overwrite: true);
        _committed = true;
        TemporarySiblings.Release(_temporaryPath);
    }

    public void Dispose()
    {
        if (_committed) return;
        _writer.Dispose();
        File.Delete(_temporaryPath);
    }

    /// <summary>A field of a CSV or TSV row, as <see cref="CsvField"/> or <see cref="TsvField"/> writes it.</summary>
    /// <exception cref="UserInputException">A TSV field would hold a tab or a line break.</exception>
    public string Field(string value) =>
        Format == OutputFormat.Tsv ? TsvField(value, () => $"{Path}: the field {PrintableText.Quote(value)}") : CsvField(value);

    /// <summary>A CSV field, quoted as RFC 4180 asks when it holds a comma, a quote or a line break.</summary>
    public static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// A TSV field: the value as it is, quotes included, which the TSV reader takes as text. TSV has no quoting, so a tab
    /// or a line break in it would split the field or the row: that is refused, naming <paramref name="where"/> (worded
    /// only then: it runs for every field written).
    /// </summary>
    /// <exception cref="UserInputException">The value holds a tab or a line break.</exception>
    public static string TsvField(string value, Func<string> where)
    {
        int found = value.AsSpan().IndexOfAny("\t\r\n");
        if (found < 0) return value;
        throw new UserInputException(
            $"{where()} holds {(value[found] == '\t' ? "a tab" : "a line break")}, which a .tsv file cannot hold (TSV has no quoting); write a .csv or .jsonl instead");
    }

    /// <summary>The format <paramref name="output"/>'s extension asks for.</summary>
    /// <exception cref="UserInputException">The extension is none of .csv, .tsv, .jsonl, .ndjson.</exception>
    internal static OutputFormat FormatOf(string output, string option) => System.IO.Path.GetExtension(output).ToLowerInvariant() switch
    {
        ".csv" => OutputFormat.Csv,
        ".tsv" => OutputFormat.Tsv,
        ".jsonl" or ".ndjson" => OutputFormat.JsonLines,
        var other => throw new UserInputException(
            $"{output}: cannot tell the {option} format from '{(other.Length == 0 ? "(no extension)" : other)}'; use .csv, .tsv or .jsonl"),
    };
}
