using System.Buffers;
using System.Text.Json;
using OrtAgent.Inference;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Explanations;

/// <summary>
/// The JSON form of one explanation, shared by <c>explain --json</c> and <c>POST /explain</c>:
/// <c>{"text", "label", "predicted_label", "probabilities", "words": [{"text", "start", "length", "attribution"}],
/// "input_logit", "baseline_logit", "attribution_sum", "completeness_gap", "relative_completeness_gap", "steps",
/// "baseline", "truncated"}</c>. Offsets (<c>start</c>, <c>length</c>) count UTF-16 code units of the given text (as .NET and JavaScript index strings): a character beyond U+FFFF, such as an emoji, counts 2.
/// </summary>
internal static class ExplanationJson
{
    /// <summary>One line of JSON, without the line break.</summary>
    public static string Format(TextExplanation explanation)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + explanation.Text.Length * 4);
        using (var writer = new Utf8JsonWriter(buffer, PredictionJson.Options)) Write(writer, explanation);
        return JsonLine.From(buffer.WrittenSpan);
    }

    /// <summary>Writes the explanation as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, TextExplanation explanation)
    {
        writer.WriteStartObject();
        writer.WriteString("text", explanation.Text);
        writer.WriteString("label", explanation.Label);
        writer.WriteString("predicted_label", explanation.PredictedLabel);
        writer.WriteStartObject("probabilities");
        foreach (var (label, probability) in explanation.Probabilities) writer.WriteNumber(label, probability);
        writer.WriteEndObject();
        writer.WriteStartArray("words");
        foreach (var word in explanation.Words)
        {
            writer.WriteStartObject();
            writer.WriteString("text", word.Text);
            writer.WriteNumber("start", word.Start);
            writer.WriteNumber("length", word.Length);
            writer.WriteNumber("attribution", Rounded(word.Attribution));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteNumber("input_logit", Rounded(explanation.InputLogit));
        writer.WriteNumber("baseline_logit", Rounded(explanation.BaselineLogit));
        writer.WriteNumber("attribution_sum", Rounded(explanation.AttributionSum));
        writer.WriteNumber("completeness_gap", Rounded(explanation.CompletenessGap));
        writer.WriteNumber("relative_completeness_gap", Rounded(explanation.RelativeCompletenessGap));
        writer.WriteNumber("steps", explanation.Steps);
        writer.WriteString("baseline", explanation.Baseline.ToString().ToLowerInvariant());
        writer.WriteBoolean("truncated", explanation.Truncated);
        // Said only when true, so fp32 models' answers keep their shape.
        if (explanation.ExplainsFloat32OfInt8) writer.WriteString("explained_weights", ExplainedWeightsNote.Value);
        writer.WriteEndObject();
    }

    // Six decimals; a tiny negative rounds to -0, which JSON writes as "-0": adding +0 makes it 0.
    private static double Rounded(double value) => Math.Round(value, 6) + 0.0;
}
