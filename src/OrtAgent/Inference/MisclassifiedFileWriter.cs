using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OrtAgent.Data;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// Writes <c>eval --errors</c>, the examples a model got wrong, atomically (<see cref="AtomicOutputFile"/>): a
/// <c>.csv</c> with header <c>line,text,label,predicted,score</c> (plus the group column's name with <c>--by</c>), a
/// <c>.tsv</c> with the same columns, or
/// <c>.jsonl</c> objects with <c>line</c>, <c>text</c>, <c>label</c>, <c>predicted</c>, <c>score</c>,
/// <c>probabilities</c> and <c>group</c>. <c>line</c> is the example's line in the evaluated file, <c>label</c> its
/// true label, <c>score</c> the probability of the predicted one.
/// </summary>
/// <remarks>Owns its <see cref="AtomicOutputFile"/>: disposing without committing deletes the unfinished file.</remarks>
internal sealed class MisclassifiedFileWriter : IDisposable
{
    private readonly AtomicOutputFile _file;

    private MisclassifiedFileWriter(AtomicOutputFile file, string? groupColumn)
    {
        _file = file;
        if (file.IsJsonLines) return;
        string[] header = ["line", "text", "label", "predicted", "score", .. groupColumn is null ? [] : new[] { file.Field(groupColumn) }];
        file.Writer.Write(string.Join(file.Separator, header) + "\n");
    }

    /// <summary>The full path of the destination.</summary>
    public string Path => _file.Path;

    /// <inheritdoc cref="AtomicOutputFile.CheckPath"/>
    public static void CheckPath(string output, string input, string modelDirectory) => AtomicOutputFile.CheckPath(output, input, "--errors", modelDirectory);

    /// <summary>
    /// Refuses an example of <paramref name="input"/> that a <c>.tsv</c> errors file could not hold (a text, label or
    /// group with a tab or a line break), naming its line, before anything is evaluated.
    /// </summary>
    /// <exception cref="UserInputException">The example holds a tab or a line break.</exception>
    public static void CheckFitsTsv(LabeledText example, string input)
    {
        foreach (var (what, value) in (ReadOnlySpan<(string, string?)>)[("text", example.Text), ("label", example.Label), ("group", example.Group)])
            if (value is not null) AtomicOutputFile.TsvField(value, () => $"{input} line {example.Line}: the {what}");
    }

    /// <summary>Whether <paramref name="output"/>, a path <see cref="CheckPath"/> took, names a <c>.tsv</c> file.</summary>
    public static bool IsTsv(string output) => AtomicOutputFile.FormatOf(output, "--errors") == OutputFormat.Tsv;

    /// <summary>Starts writing <paramref name="output"/>, with a group column named <paramref name="groupColumn"/> if any.</summary>
    public static MisclassifiedFileWriter Create(string output, string? groupColumn) =>
        new(AtomicOutputFile.Create(output, "--errors"), groupColumn);

    public void Write(LabeledText example, Prediction prediction)
    {
        var writer = _file.Writer;
        if (_file.IsJsonLines)
        {
            writer.Write(Json(example, prediction));
        }
        else
        {
            writer.Write(example.Line.ToString(CultureInfo.InvariantCulture));
            foreach (var field in new[] { example.Text, example.Label, prediction.Label })
            {
                writer.Write(_file.Separator);
                writer.Write(_file.Field(field));
            }
            writer.Write(_file.Separator);
            writer.Write(prediction.Score.ToString(CultureInfo.InvariantCulture));
            if (example.Group is { } group)
            {
                writer.Write(_file.Separator);
                writer.Write(_file.Field(group));
            }
        }
        writer.Write('\n');
    }

    /// <inheritdoc cref="AtomicOutputFile.Commit"/>
    public void Commit() => _file.Commit();

    public void Dispose() => _file.Dispose();

    private static string Json(LabeledText example, Prediction prediction)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + example.Text.Length);
        using (var w = new Utf8JsonWriter(buffer, PredictionJson.Options))
        {
            w.WriteStartObject();
            w.WriteNumber("line", example.Line);
            w.WriteString("text", example.Text);
            w.WriteString("label", example.Label);
            w.WriteString("predicted", prediction.Label);
            w.WriteNumber("score", prediction.Score);
            PredictionJson.WriteProbabilities(w, prediction);
            if (example.Group is { } group) w.WriteString("group", group);
            w.WriteEndObject();
        }
        return JsonLine.From(buffer.WrittenSpan);
    }
}
