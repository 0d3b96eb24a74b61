using System.Globalization;
using OrtAgent.Data;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// Writes <c>predict --output</c>, each input row with its prediction after it (see <see cref="PredictionColumns"/>): a
/// <c>.csv</c> file, header first, or a <c>.jsonl</c> file (see <see cref="PredictionJson"/>), atomically
/// (<see cref="AtomicOutputFile"/>).
/// </summary>
/// <remarks>Owns its <see cref="AtomicOutputFile"/>: disposing without committing deletes the unfinished file.</remarks>
internal sealed class PredictionFileWriter : IDisposable
{
    private readonly AtomicOutputFile _file;
    private readonly PredictionColumns _columns;

    private PredictionFileWriter(AtomicOutputFile file, PredictionColumns columns)
    {
        _file = file;
        _columns = columns;
        if (file.IsJsonLines) return;
        foreach (var column in columns.Input)
        {
            file.Writer.Write(AtomicOutputFile.CsvField(column));
            file.Writer.Write(',');
        }
        file.Writer.Write($"{AtomicOutputFile.CsvField(columns.Label)},{AtomicOutputFile.CsvField(columns.Score)}\n");
    }

    /// <summary>The full path of the destination.</summary>
    public string Path => _file.Path;

    /// <inheritdoc cref="AtomicOutputFile.CheckPath"/>
    public static void CheckPath(string output, string input, string modelDirectory) => AtomicOutputFile.CheckPath(output, input, "output", modelDirectory);

    /// <summary>Whether <paramref name="output"/>, a path <see cref="CheckPath"/> took, names a JSON Lines file.</summary>
    public static bool IsJsonLines(string output) => AtomicOutputFile.IsJsonLinesPath(output, "output");

    /// <summary>Starts writing predictions for <paramref name="output"/>; the format follows its extension.</summary>
    public static PredictionFileWriter Create(string output, PredictionColumns columns) => new(AtomicOutputFile.Create(output, "output"), columns);

    public void Write(InputRow row, Prediction prediction)
    {
        var writer = _file.Writer;
        if (_file.IsJsonLines)
        {
            writer.Write(PredictionJson.Format(row.Fields, prediction, _columns));
        }
        else
        {
            for (int i = 0; i < _columns.Input.Count; i++)
            {
                writer.Write(AtomicOutputFile.CsvField(FieldText(row.Fields, i, _columns.Input[i])));
                writer.Write(',');
            }
            writer.Write(AtomicOutputFile.CsvField(prediction.Label));
            writer.Write(',');
            writer.Write(prediction.Score.ToString(CultureInfo.InvariantCulture));
        }
        writer.Write('\n');
    }

    /// <inheritdoc cref="AtomicOutputFile.Commit"/>
    public void Commit() => _file.Commit();

    public void Dispose() => _file.Dispose();

    // A CSV or TSV row holds the header's columns in order; a JSON object may hold the file's properties in any order, or
    // not all of them (an empty field then).
    private static string FieldText(IReadOnlyList<InputField> fields, int column, string name)
    {
        if (column < fields.Count && fields[column].Name == name) return fields[column].Text;
        foreach (var field in fields)
        {
            if (field.Name == name) return field.Text;
        }
        return "";
    }
}
