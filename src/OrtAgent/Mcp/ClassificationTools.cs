using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using OrtAgent.Runtime;

namespace OrtAgent.Mcp;

/// <summary>The <c>classify_text</c> tool: labels texts with a fine-tuned classifier.</summary>
[McpServerToolType]
internal sealed class ClassificationTools(ToolModelCatalog catalog, ToolLimits limits)
{
    [McpServerTool(Name = "classify_text", Title = "Classify text", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Classifies one text or a batch of texts with a fine-tuned text classifier running locally, and returns for each text "
        + "the most likely label, its probability (score), the probability of every label, highest first, and whether the text was "
        + "cut at the model's maximum length (truncated: only its beginning was read). "
        + "Pass either 'text' (one text) or 'texts' (a list, classified together, results in the same order). "
        + "Call list_models first to learn the models' names, the label names each can assign, and which can be explained.")]
    public async Task<ClassificationResult> ClassifyTextAsync(
        [Description("One text to classify.")] string? text = null,
        [Description("Several texts to classify in one call, answered in the same order.")] string[]? texts = null,
        [Description("Name of the model to use, as list_models reports it. May be left out when only one model is loaded.")] string? model = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var inputs = ToolArguments.Texts(text, texts, limits);
        var chosen = catalog.Find(model);
        var served = await chosen.AcquireAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ToolArguments.RequireTokens(inputs, oneText: texts is null, served.NothingToClassify);
        }
        finally
        {
            served.Release();
        }
        // Only the start and the end: the texts go to the model as one request, which the prediction queue never splits
        // (its bound counts them together, and they are sorted by length and padded as one batch), so there is no
        // honest count in between, and sending them in parts could change the scores a batch of them gets.
        progress?.Report(new ProgressNotificationValue { Progress = 0, Total = inputs.Count, Message = $"classifying {Texts(inputs.Count)} with {chosen.Name}" });
        var predictions = await chosen.PredictAsync(inputs, cancellationToken).ConfigureAwait(false);
        progress?.Report(new ProgressNotificationValue { Progress = inputs.Count, Total = inputs.Count, Message = $"classified {Texts(inputs.Count)} with {chosen.Name}" });
        return new ClassificationResult(chosen.Name, predictions.Select(ToResult).ToArray());
    }

    private static string Texts(int count) => count == 1 ? "1 text" : $"{count} texts";

    private static TextClassification ToResult(Prediction prediction) => new(
        prediction.Label,
        prediction.Score,
        prediction.Top(prediction.Probabilities.Count).Select(p => new LabelProbability(p.Key, p.Value)).ToArray(),
        prediction.Truncated);
}
