using System.Globalization;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// Writes <c>predict --output</c>: a <c>.csv</c> (header <c>text,label,score</c>) or <c>.jsonl</c> file (see
/// <see cref="PredictionJson"/>), atomically (<see cref="AtomicOutputFile"/>).
/// </summary>
/// <remarks>Owns its <see cref="AtomicOutputFile"/>: disposing without committing deletes the unfinished file.</remarks>
internal sealed class PredictionFileWriter : IDisposable
{
    private readonly AtomicOutputFile _file;

    private PredictionFileWriter(AtomicOutputFile file)
    {
        _file = file;
        if (!file.IsJsonLines) file.Writer.Write("text,label,score\n");
    }

    /// <summary>The full path of the destination.</summary>
    public string Path => _file.Path;

    /// <inheritdoc cref="AtomicOutputFile.CheckPath"/>
    public static void CheckPath(string output, string input, string modelDirectory) => AtomicOutputFile.CheckPath(output, input, "output", modelDirectory);

    /// <summary>Starts writing predictions for <paramref name="output"/>; the format follows its extension.</summary>
    public static PredictionFileWriter Create(string output) => new(AtomicOutputFile.Create(output, "output"));

    public void Write(string text, Prediction prediction)
    {
        var writer = _file.Writer;
        if (_file.IsJsonLines)
        {
            writer.Write(PredictionJson.Format(text, prediction));
        }
        else
        {
            writer.Write(AtomicOutputFile.CsvField(text));
            writer.Write(',');
            writer.Write(AtomicOutputFile.CsvField(prediction.Label));
            writer.Write(',');
            writer.Write(prediction.Score.ToString(CultureInfo.InvariantCulture));
        }
        writer.Write('\n');
    }

    /// <inheritdoc cref="AtomicOutputFile.Commit"/>
    public void Commit() => _file.Commit();

    public void Dispose() => _file.Dispose();
}
