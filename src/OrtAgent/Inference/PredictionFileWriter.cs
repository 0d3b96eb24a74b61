using System.Globalization;
using System.Text;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// Writes predictions to a <c>.csv</c> (header <c>text,label,score</c>, RFC 4180 quoting) or <c>.jsonl</c> file under a
/// temporary name beside it; <see cref="Commit"/> renames it into place, and disposing without committing deletes it,
/// so the destination holds either its old content or the complete new file.
/// </summary>
internal sealed class PredictionFileWriter : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly bool _isJsonLines;
    private readonly string _temporaryPath;
    private bool _committed;

    private PredictionFileWriter(string path, bool isJsonLines)
    {
        Path = path;
        _isJsonLines = isJsonLines;
        _temporaryPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!,
            $".{System.IO.Path.GetFileName(path)}.tmp-{Environment.ProcessId}");
        try
        {
            _writer = new StreamWriter(_temporaryPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot write the output: {ex.Message}", ex);
        }
        if (!isJsonLines) _writer.Write("text,label,score\n");
    }

    /// <summary>The full path of the destination.</summary>
    public string Path { get; }

    /// <summary>Checks that <paramref name="output"/> can be written and does not name <paramref name="input"/>.</summary>
    /// <exception cref="UserInputException">An unsupported extension, a missing directory, a folder, or the input itself.</exception>
    public static void CheckPath(string output, string input)
    {
        _ = IsJsonLines(output);
        var full = System.IO.Path.GetFullPath(output);
        if (Directory.Exists(full)) throw new UserInputException($"{output} is a folder; expected an output file (.csv or .jsonl)");
        var directory = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) throw new UserInputException($"{output}: the directory {directory} does not exist");
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(full, System.IO.Path.GetFullPath(input), comparison))
            throw new UserInputException($"{output}: the output would overwrite the input; choose another file");
    }

    /// <summary>Starts writing predictions for <paramref name="output"/>; the format follows its extension.</summary>
    public static PredictionFileWriter Create(string output) => new(System.IO.Path.GetFullPath(output), IsJsonLines(output));

    public void Write(string text, Prediction prediction)
    {
        if (_isJsonLines)
        {
            _writer.Write(PredictionJson.Format(text, prediction));
        }
        else
        {
            _writer.Write(CsvField(text));
            _writer.Write(',');
            _writer.Write(CsvField(prediction.Label));
            _writer.Write(',');
            _writer.Write(prediction.Score.ToString(CultureInfo.InvariantCulture));
        }
        _writer.Write('\n');
    }

    /// <summary>Flushes the file to disk and renames it onto the destination, replacing any file there.</summary>
    public void Commit()
    {
        _writer.Flush();
        ((FileStream)_writer.BaseStream).Flush(flushToDisk: true);
        _writer.Dispose();
        File.Move(_temporaryPath, Path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        _writer.Dispose();
        File.Delete(_temporaryPath);
    }

    private static bool IsJsonLines(string output) => System.IO.Path.GetExtension(output).ToLowerInvariant() switch
    {
        ".csv" => false,
        ".jsonl" or ".ndjson" => true,
        var other => throw new UserInputException(
            $"{output}: cannot tell the output format from '{(other.Length == 0 ? "(no extension)" : other)}'; use .csv or .jsonl"),
    };

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
