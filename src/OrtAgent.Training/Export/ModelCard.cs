using System.Globalization;
using System.Text;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Export;

/// <summary>Composes the model card (<c>README.md</c>) written beside an exported model.</summary>
public static class ModelCard
{
    /// <summary>A card from the model's metadata, with optional sections (data, hyperparameters) added by the caller.</summary>
    public static string FromInfo(ClassifierModelInfo info, IReadOnlyDictionary<string, string>? sections = null)
    {
        var card = new StringBuilder();
        card.AppendLine("# OrtAgent text classifier").AppendLine();
        card.AppendLine($"Fine-tuned from `{info.BaseModel}` by OrtAgent. Load `model.onnx` with any ONNX Runtime; inputs are");
        card.AppendLine("`input_ids`, `attention_mask` (and `token_type_ids` when the base takes them), int64 `[batch, sequence]`, from");
        card.AppendLine($"the BERT WordPiece vocabulary `vocab.txt` ({(info.LowerCase ? "lower-cased" : "cased")}, at most {info.MaxLength} tokens).");
        card.AppendLine("Outputs: `logits` and `probabilities`, `[batch, labels]`.").AppendLine();
        card.AppendLine($"## {LabelsTitle}").AppendLine();
        for (int i = 0; i < info.Labels.Count; i++) card.AppendLine($"{i}. `{info.Labels[i]}`");
        card.AppendLine();
        if (info.Metrics.Count > 0)
        {
            card.AppendLine($"## {MetricsTitle}").AppendLine();
            // The run measured its fp32 weights; an int8 export quantizes them after, and is not measured again.
            if (info.Weights == ModelWeights.Int8) card.AppendLine(Int8MetricsNote).AppendLine();
            card.AppendLine("| metric | value |").AppendLine("|---|---|");
            foreach (var (name, value) in info.Metrics) card.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {value:F4} |"));
            card.AppendLine();
        }
        foreach (var (title, body) in sections ?? new Dictionary<string, string>())
            card.AppendLine($"## {title}").AppendLine().AppendLine(body.TrimEnd()).AppendLine();
        return card.ToString();
    }

    /// <summary>
    /// The caller's sections of a card <see cref="FromInfo"/> wrote (method, data, hyperparameters…), in order: what a
    /// later export of the same run keeps, while the labels and metrics come from the model it exports.
    /// </summary>
    public static Dictionary<string, string> SectionsOf(string card)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var block in card.ReplaceLineEndings("\n").Split("\n## ").Skip(1))
        {
            int end = block.IndexOf('\n');
            var title = end < 0 ? block : block[..end];
            if (title is LabelsTitle or MetricsTitle) continue;
            sections[title] = end < 0 ? "" : block[(end + 1)..].Trim('\n');
        }
        return sections;
    }

    /// <summary>The title of the section an int8 export adds about its weights.</summary>
    public const string WeightsTitle = "Weights";

    /// <summary>What the metrics of an int8 model's card are: the fp32 run's.</summary>
    public const string Int8MetricsNote = "Measured by the training run on its fp32 weights, not on this int8 model, whose results may differ slightly.";

    private const string LabelsTitle = "Labels";
    private const string MetricsTitle = "Validation metrics";
}
