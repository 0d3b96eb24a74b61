using OrtAgent.Inference;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Explanations;

internal sealed class ExplanationService(InferenceModelLoader models) : IExplanationService
{
    public CutTexts Explain(InferenceModelOptions model, IReadOnlyList<string> texts, ExplainOptions options, Action<TextExplanation> explained,
        CancellationToken cancellationToken)
    {
        TextArguments.RequireText(texts, "explain", "pass the texts to explain as arguments");
        // Before the model loads; OptionFlags names each property by its flag.
        options.Validate();
        using var classifier = models.Load(model);
        TextArguments.RequireTokens(texts, classifier.Encoder, "explain");
        CheckLabel(classifier, options.Label, "--label");
        var cut = CutTexts.None(classifier.Encoder.MaxLength);
        foreach (var text in texts)
        {
            var explanation = classifier.Explain(text, options, cancellationToken);
            cut = cut.Add(explanation.Truncated);
            explained(explanation);
        }
        return cut;
    }

    /// <summary>Rejects a label the model does not have, naming <paramref name="where"/> and the model's labels.</summary>
    internal static void CheckLabel(TextClassifier classifier, string? label, string where)
    {
        if (label is not null && !classifier.Labels.Contains(label))
            throw new UserInputException($"{where} '{label}': the model's labels are {string.Join(", ", classifier.Labels)}");
    }

    /// <summary>Parses <c>pad</c> or <c>mask</c>, naming <paramref name="where"/> otherwise.</summary>
    internal static ExplainBaseline ParseBaseline(string? value, string where) => value?.ToLowerInvariant() switch
    {
        null or "pad" => ExplainBaseline.Pad,
        "mask" => ExplainBaseline.Mask,
        _ => throw new UserInputException($"{where} '{value}': expected pad or mask"),
    };
}
