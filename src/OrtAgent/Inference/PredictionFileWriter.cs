using System.Globalization;
using OrtAgent.Data;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// Writes <c>predict --output</c>, each input row with its prediction after it (see <see cref="PredictionColumns"/>): a
/// <c>.csv</c> or <c>.tsv</c> file, header first, or a <c>.jsonl</c> file (see <see cref="PredictionJson"/>), atomically
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
            file.Writer.Write(file.Field(column));
            file.Writer.Write(file.Separator);
        }
        file.Writer.Write($"{file.Field(columns.Label)}{file.Separator}{file.Field(columns.Score)}");
        for (int rank = 2; rank <= (columns.Top ?? 1); rank++)
            file.Writer.Write($"{file.Separator}{file.Field(columns.RankLabel(rank))}{file.Separator}{file.Field(columns.RankScore(rank))}");
        file.Writer.Write('\n');
    }

    /// <summary>The full path of the destination.</summary>
    public string Path => _file.Path;

    /// <inheritdoc cref="AtomicOutputFile.CheckPath"/>
    public static void CheckPath(string output, string input, string modelDirectory) => AtomicOutputFile.CheckPath(output, input, "--output", modelDirectory);

    /// <summary>The format of <paramref name="output"/>, a path <see cref="CheckPath"/> took.</summary>
    public static OutputFormat FormatOf(string output) => AtomicOutputFile.FormatOf(output, "--output");

    /// <summary>
    /// Refuses a row of <paramref name="input"/> that a <c>.tsv</c> output cannot hold (a field with a tab or a line
    /// break, which a CSV or JSON Lines input may have), naming its line and column, before anything is written.
    /// </summary>
    /// <exception cref="UserInputException">A field holds a tab or a line break.</exception>
    public static void CheckFitsTsv(InputRow row, string input)
    {
        foreach (var field in row.Fields)
            AtomicOutputFile.TsvField(field.Text, () => $"{input} line {row.Line}: column {PrintableText.Quote(field.Name)}");
    }

    /// <summary>Starts writing predictions for <paramref name="output"/>; the format follows its extension.</summary>
    public static PredictionFileWriter Create(string output, PredictionColumns columns) => new(AtomicOutputFile.Create(output, "--output"), columns);

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
                writer.Write(_file.Field(FieldText(row.Fields, i, _columns.Input[i])));
                writer.Write(_file.Separator);
            }
            var labels = _columns.Top is { } top ? prediction.Top(top) : [new(prediction.Label, prediction.Score)];
            for (int i = 0; i < labels.Count; i++)
            {
                if (i > 0) writer.Write(_file.Separator);
                writer.Write(_file.Field(labels[i].Key));
                writer.Write(_file.Separator);
                writer.Write(labels[i].Value.ToString(CultureInfo.InvariantCulture));
            }
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
