using System.Buffers;
using System.Text.Json;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Inference;

/// <summary>
/// The JSON form of an evaluation for <c>eval --json</c>, one object on one line: <c>model</c>, <c>data</c>,
/// <c>examples</c>, <c>accuracy</c>, <c>macro_f1</c>, <c>labels</c>, <c>per_class</c> (label, precision, recall, f1,
/// support) and <c>confusion_matrix</c> (rows are true labels, columns predicted, both in <c>labels</c> order); with
/// <c>--by</c>, <c>groups</c>: one object per value of the column (group, examples, accuracy, macro_f1,
/// confusion_matrix); with <c>--errors</c>, <c>errors_file</c>: where the misclassified examples went.
/// </summary>
internal static class EvaluationJson
{
    public static string Format(EvaluationResult result)
    {
        var report = result.Report;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, PredictionJson.Options))
        {
            w.WriteStartObject();
            w.WriteString("model", result.ModelDirectory);
            w.WriteString("data", result.Data);
            w.WriteNumber("examples", report.Count);
            w.WriteNumber(ValidationMetricNames.Accuracy, report.Accuracy);
            w.WriteNumber(ValidationMetricNames.MacroF1, report.MacroF1);
            w.WriteStartArray("labels");
            foreach (var label in report.Labels) w.WriteStringValue(label);
            w.WriteEndArray();
            w.WriteStartArray("per_class");
            foreach (var c in report.PerClass)
            {
                w.WriteStartObject();
                w.WriteString("label", c.Label);
                w.WriteNumber("precision", c.Precision);
                w.WriteNumber("recall", c.Recall);
                w.WriteNumber("f1", c.F1);
                w.WriteNumber("support", c.Support);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteConfusionMatrix(w, report);
            if (result.Groups.Count > 0)
            {
                w.WriteStartArray("groups");
                foreach (var (group, groupReport) in result.Groups)
                {
                    w.WriteStartObject();
                    w.WriteString("group", group);
                    w.WriteNumber("examples", groupReport.Count);
                    w.WriteNumber(ValidationMetricNames.Accuracy, groupReport.Accuracy);
                    w.WriteNumber(ValidationMetricNames.MacroF1, groupReport.MacroF1);
                    WriteConfusionMatrix(w, groupReport);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (result.ErrorsFile is not null) w.WriteString("errors_file", result.ErrorsFile);
            w.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            w.WriteEndObject();
        }
        return JsonLine.From(buffer.WrittenSpan);
    }

    private static void WriteConfusionMatrix(Utf8JsonWriter w, ClassificationReport report)
    {
        w.WriteStartArray("confusion_matrix");
        for (int t = 0; t < report.Labels.Count; t++)
        {
            w.WriteStartArray();
            for (int p = 0; p < report.Labels.Count; p++) w.WriteNumberValue(report.ConfusionMatrix[t, p]);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}
