using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// The JSON form of one prediction, shared by <c>predict --json</c> and JSON Lines output files:
/// <c>{"text": ..., "label": ..., "score": ..., "probabilities": {label: p, ...}}</c> on one line.
/// </summary>
internal static class PredictionJson
{
    /// <summary>The writer options of every JSON output of the CLI.</summary>
    internal static readonly JsonWriterOptions Options = new()
    {
        // Output goes to terminals and files, never into HTML: keep accents and quotes readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One line of JSON, without the line break.</summary>
    public static string Format(string text, Prediction prediction)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + text.Length);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("text", text);
            writer.WriteString("label", prediction.Label);
            writer.WriteNumber("score", prediction.Score);
            WriteProbabilities(writer, prediction);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes <c>"probabilities": {label: p, ...}</c> into the object being written.</summary>
    internal static void WriteProbabilities(Utf8JsonWriter writer, Prediction prediction)
    {
        writer.WriteStartObject("probabilities");
        foreach (var (label, probability) in prediction.Probabilities) writer.WriteNumber(label, probability);
        writer.WriteEndObject();
    }
}
