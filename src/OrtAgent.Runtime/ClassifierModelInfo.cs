using System.Text.Json;

namespace OrtAgent.Runtime;

/// <summary>What an exported model says about itself: labels, tokenizer settings, provenance and metrics.</summary>
public sealed record ClassifierModelInfo(
    IReadOnlyList<string> Labels,
    int MaxLength,
    bool LowerCase,
    string BaseModel,
    string Problem,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Reads the OrtAgent metadata of a model; <paramref name="where"/> names it in errors.</summary>
    /// <exception cref="ModelLoadException">A key is missing or malformed.</exception>
    public static ClassifierModelInfo FromMetadata(IReadOnlyDictionary<string, string> metadata, string where)
    {
        string Require(string key) => metadata.TryGetValue(key, out var v)
            ? v
            : throw new ModelLoadException($"{where}: model.onnx has no OrtAgent metadata '{key}' (was it exported by OrtAgent?)");
        try
        {
            var labels = JsonSerializer.Deserialize(Require(ClassifierMetadataKeys.Labels), ClassifierMetadataJsonContext.Default.StringArray) ?? [];
            if (labels.Length == 0) throw new ModelLoadException($"{where}: model.onnx lists no labels");
            var metrics = metadata.TryGetValue(ClassifierMetadataKeys.Metrics, out var m)
                ? JsonSerializer.Deserialize(m, ClassifierMetadataJsonContext.Default.DictionaryStringDouble) ?? []
                : [];
            return new ClassifierModelInfo(
                labels,
                int.Parse(Require(ClassifierMetadataKeys.MaxLength), System.Globalization.CultureInfo.InvariantCulture),
                bool.Parse(Require(ClassifierMetadataKeys.LowerCase)),
                metadata.GetValueOrDefault(ClassifierMetadataKeys.BaseModel, "unknown"),
                metadata.GetValueOrDefault(ClassifierMetadataKeys.Problem, "single_label"),
                metrics);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException)
        {
            throw new ModelLoadException($"{where}: model.onnx has malformed OrtAgent metadata: {ex.Message}", ex);
        }
    }

    /// <summary>The metadata entries that describe this model, for the exporter to write.</summary>
    public Dictionary<string, string> ToMetadata() => new()
    {
        [ClassifierMetadataKeys.Format] = ClassifierMetadataKeys.CurrentFormat,
        [ClassifierMetadataKeys.Labels] = JsonSerializer.Serialize(Labels.ToArray(), ClassifierMetadataJsonContext.Default.StringArray),
        [ClassifierMetadataKeys.MaxLength] = MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [ClassifierMetadataKeys.LowerCase] = LowerCase ? "true" : "false",
        [ClassifierMetadataKeys.BaseModel] = BaseModel,
        [ClassifierMetadataKeys.Problem] = Problem,
        [ClassifierMetadataKeys.Metrics] = JsonSerializer.Serialize(new Dictionary<string, double>(Metrics), ClassifierMetadataJsonContext.Default.DictionaryStringDouble),
    };
}
