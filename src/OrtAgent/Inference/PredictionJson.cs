using System.Buffers;
using System.Text.Json;
using OrtAgent.Data;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// The JSON form of one prediction, shared by <c>predict --json</c> and JSON Lines output files:
/// <c>{"text": ..., "label": ..., "score": ..., "probabilities": {label: p, ...}, "truncated": false}</c> on one line, a file's row's
/// other fields before the prediction's (see <see cref="PredictionColumns"/>).
/// </summary>
internal static class PredictionJson
{
    /// <summary>The writer options of every JSON output of the CLI.</summary>
    internal static readonly JsonWriterOptions Options = new()
    {
        // Output goes to terminals and files, never into HTML: keep accents and quotes readable, and escape the
        // invisible controls that would reorder a terminal's line.
        Encoder = TerminalSafeJsonEncoder.Instance,
    };

    /// <summary>One line of JSON, without the line break.</summary>
    /// <param name="text">The text classified.</param>
    /// <param name="prediction">Its prediction.</param>
    /// <param name="top">With <c>--top K</c>, K: the probabilities hold the K most probable labels only, highest first.</param>
    public static string Format(string text, Prediction prediction, int? top = null) =>
        Format([new InputField(PredictionColumns.OfText.Input[0], text, Json: null)], prediction, PredictionColumns.OfText with { Top = top });

    /// <summary>One line of JSON holding a row's fields, then its prediction under <paramref name="columns"/>' names.</summary>
    /// <remarks>A JSON Lines row's values are copied as its file wrote them; a CSV or TSV row's are strings.</remarks>
    public static string Format(IReadOnlyList<InputField> fields, Prediction prediction, PredictionColumns columns)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + fields.Sum(f => (f.Json ?? f.Text).Length));
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            foreach (var field in fields)
            {
                writer.WritePropertyName(field.Name);
                // The input line parsed as JSON, so its values need no second check.
                if (field.Json is { } json) writer.WriteRawValue(json, skipInputValidation: true);
                else writer.WriteStringValue(field.Text);
            }
            writer.WriteString(columns.Label, prediction.Label);
            writer.WriteNumber(columns.Score, prediction.Score);
            WriteProbabilities(writer, prediction, columns.Probabilities, columns.Top);
            writer.WriteBoolean(columns.Truncated, prediction.Truncated);
            writer.WriteEndObject();
        }
        return JsonLine.From(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes <c>"probabilities": {label: p, ...}</c> into the object being written: every label in the model's order, or
    /// the <paramref name="top"/> most probable, highest first.
    /// </summary>
    internal static void WriteProbabilities(Utf8JsonWriter writer, Prediction prediction, string name = "probabilities", int? top = null)
    {
        writer.WriteStartObject(name);
        IEnumerable<KeyValuePair<string, float>> labels = top is { } k ? prediction.Top(k) : prediction.Probabilities;
        foreach (var (label, probability) in labels) writer.WriteNumber(label, probability);
        writer.WriteEndObject();
    }
}
