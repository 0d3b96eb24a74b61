using System.Globalization;
using System.Text.Json;

namespace OrtAgent.Runtime;

/// <summary>
/// Reads the description of a classifier saved by Hugging Face transformers (<c>save_pretrained</c>) and exported to
/// ONNX: labels from <c>config.json</c>'s <c>id2label</c>, casing and length from <c>tokenizer_config.json</c>. Every
/// error names the file and the field.
/// </summary>
internal static class HuggingFaceConfig
{
    // BERT's position table when neither the config nor the graph says.
    private const int DefaultMaxPositions = 512;

    /// <param name="directory">The classifier directory.</param>
    /// <param name="positionRows">The rows of <c>model.onnx</c>'s position table, when the graph tells.</param>
    public static ClassifierModelInfo Read(string directory, int? positionRows)
    {
        var configPath = Path.Combine(directory, ModelContract.ConfigFile);
        var tokenizerPath = Path.Combine(directory, ModelContract.TokenizerConfigFile);
        if (!File.Exists(tokenizerPath))
            throw new ModelLoadException(
                $"{directory}: no {ModelContract.TokenizerConfigFile} beside {ModelContract.ConfigFile} (its do_lower_case and model_max_length say how to tokenize)");
        using var config = Parse(configPath);
        using var tokenizer = Parse(tokenizerPath);
        var root = config.RootElement;

        var labels = Labels(root, configPath);
        int maxLength = positionRows ?? DefaultMaxPositions;
        if (root.TryGetProperty("max_position_embeddings", out var positions))
            maxLength = PositionTable.NoLongerThanTheTable(PositiveInt(positions, configPath, "max_position_embeddings"), positionRows, configPath, "max_position_embeddings");
        if (tokenizer.RootElement.TryGetProperty("model_max_length", out var modelMaxLength))
        {
            if (modelMaxLength.ValueKind != JsonValueKind.Number || modelMaxLength.GetDouble() < 2)
                throw new ModelLoadException($"{tokenizerPath}: model_max_length must be a number of at least 2");
            // Tokenizers without a limit of their own write 1e30 (transformers' VERY_LARGE_INTEGER): no limit recorded. A
            // tokenizer's limit is a hint about texts, not about the graph: one above the model's positions is cut to
            // them (as it was before the table was read), while config.json's max_position_embeddings describes the graph.
            if (modelMaxLength.GetDouble() <= int.MaxValue)
                maxLength = Math.Min(maxLength, (int)modelMaxLength.GetDouble());
        }
        bool lowerCase = true;   // BertTokenizer's default
        if (tokenizer.RootElement.TryGetProperty("do_lower_case", out var doLowerCase))
        {
            if (doLowerCase.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw new ModelLoadException($"{tokenizerPath}: do_lower_case must be true or false");
            lowerCase = doLowerCase.GetBoolean();
        }
        return new ClassifierModelInfo(labels, maxLength, lowerCase, BaseModel(root), Problem(root, configPath, labels.Length), new Dictionary<string, double>())
        {
            // As BertTokenizer reads them: strip_accents null or absent follows do_lower_case.
            StripAccents = OptionalBool(tokenizer.RootElement, "strip_accents", tokenizerPath, nullable: true),
            IndividuallyTokenizeCjk = OptionalBool(tokenizer.RootElement, "tokenize_chinese_chars", tokenizerPath, nullable: false) ?? true,
            VocabularySize = root.TryGetProperty("vocab_size", out var vocabularySize) ? PositiveInt(vocabularySize, configPath, "vocab_size") : null,
        };
    }

    private static bool? OptionalBool(JsonElement json, string field, string path, bool nullable)
    {
        if (!json.TryGetProperty(field, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null when nullable => null,
            _ => throw new ModelLoadException($"{path}: {field} must be true{(nullable ? ", false or null" : " or false")}"),
        };
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            var document = JsonDocument.Parse(ModelFolderFile.ReadAllBytes(path));
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
            throw new ModelLoadException($"{path}: not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{path}: not valid JSON: {JsonParseProblem.Describe(ex)}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot be read: {ex.Message}", ex);
        }
    }

    // id2label maps "0".."n-1" to names; every id must be there once, so that output column i has label i.
    private static string[] Labels(JsonElement config, string path)
    {
        if (!config.TryGetProperty("id2label", out var id2label) || id2label.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException($"{path}: has no id2label object (the label of each logit), so it does not describe a classifier");
        var byId = new SortedDictionary<int, string>();
        var keys = new Dictionary<int, string>();
        foreach (var entry in id2label.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || entry.Value.ValueKind != JsonValueKind.String)
                throw new ModelLoadException($"{path}: id2label entry \"{entry.Name}\" must map a number to a label name");
            // "1" and "01" are one id to int.Parse, and to Python's int(); each id labels one column.
            if (keys.TryGetValue(id, out var first))
                throw new ModelLoadException($"{path}: id2label keys \"{first}\" and \"{entry.Name}\" both name id {id}; each id must be listed once");
            keys[id] = entry.Name;
            byId[id] = entry.Value.GetString()!;
        }
        if (byId.Count == 0) throw new ModelLoadException($"{path}: id2label is empty");
        if (byId.Keys.Last() != byId.Count - 1)
            throw new ModelLoadException($"{path}: id2label must number its labels 0 to {byId.Count - 1} without gaps");
        var labels = byId.Values.ToArray();
        ModelContract.CheckLabelNames(labels, $"{path}: id2label");
        return labels;
    }

    private static int PositiveInt(JsonElement value, string path, string field) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) && number > 1
            ? number
            : throw new ModelLoadException($"{path}: {field} must be a whole number of at least 2");

    private static string BaseModel(JsonElement config)
    {
        foreach (var field in new[] { "_name_or_path", "model_type" })
            if (config.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } name)
                return name;
        return "unknown";
    }

    // As transformers' text-classification pipeline picks its activation: none for regression, else a sigmoid for
    // multi-label or a single logit (a softmax over one logit is 1 for every text), else a softmax.
    private static string Problem(JsonElement config, string path, int labels)
    {
        if (!config.TryGetProperty("problem_type", out var value) || value.ValueKind == JsonValueKind.Null)
            return labels == 1 ? ModelContract.MultiLabel : ModelContract.SingleLabel;
        return (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()) switch
        {
            "single_label_classification" => labels == 1 ? ModelContract.MultiLabel : ModelContract.SingleLabel,
            "multi_label_classification" => ModelContract.MultiLabel,
            "regression" => ModelContract.Regression,
            var other => throw new ModelLoadException($"{path}: problem_type '{other}' is not single_label_classification, multi_label_classification or regression"),
        };
    }
}
