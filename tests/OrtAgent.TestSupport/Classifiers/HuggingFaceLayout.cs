using System.Text.Json;
using System.Text.Json.Nodes;
using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.TestSupport;

/// <summary>
/// Rewrites an OrtAgent export in the layout a Hugging Face classifier exported to ONNX comes in: <c>model.onnx</c>
/// without OrtAgent metadata and with <c>logits</c> as its only output, <c>config.json</c> with <c>id2label</c>,
/// <c>tokenizer_config.json</c> and <c>vocab.txt</c>. The same weights, so it must classify exactly as the export does.
/// </summary>
public static class HuggingFaceLayout
{
    /// <summary>Writes the Hugging Face form of the export in <paramref name="exportDirectory"/> into <paramref name="directory"/>.</summary>
    public static string WriteFrom(string exportDirectory, string directory)
    {
        var model = OnnxModel.Load(Path.Combine(exportDirectory, ModelContract.ModelFile));
        var info = ModelContract.ReadInfo(exportDirectory, model.Metadata);
        model.Metadata.Clear();
        model.Graph.Outputs.RemoveAll(output => output.Name != ModelContract.Logits);
        model.Graph.RemoveUnused();
        // What transformers writes: the rows of the position table (512 for a model without one, as BERT's).
        long positions = model.Graph.Initializers.FirstOrDefault(v => v.Name.EndsWith("position_embeddings.weight", StringComparison.Ordinal))?.Initializer?.Dims[0] ?? 512;
        Directory.CreateDirectory(directory);
        model.Save(Path.Combine(directory, ModelContract.ModelFile));
        File.Copy(Path.Combine(exportDirectory, ModelContract.VocabularyFile), Path.Combine(directory, ModelContract.VocabularyFile));

        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (int i = 0; i < info.Labels.Count; i++)
        {
            id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = info.Labels[i];
            label2id[info.Labels[i]] = i;
        }
        WriteJson(Path.Combine(directory, ModelContract.ConfigFile), new JsonObject
        {
            ["_name_or_path"] = info.BaseModel,
            ["architectures"] = new JsonArray("BertForSequenceClassification"),
            ["model_type"] = "bert",
            ["max_position_embeddings"] = positions,
            ["id2label"] = id2label,
            ["label2id"] = label2id,
            ["problem_type"] = "single_label_classification",
        });
        WriteJson(Path.Combine(directory, ModelContract.TokenizerConfigFile), new JsonObject
        {
            ["do_lower_case"] = info.LowerCase,
            ["model_max_length"] = info.MaxLength,
            ["tokenizer_class"] = "BertTokenizer",
        });
        return directory;
    }

    private static void WriteJson(string path, JsonNode json) =>
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
