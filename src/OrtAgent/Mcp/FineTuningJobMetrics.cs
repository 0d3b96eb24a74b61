using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>
/// A job's newest evaluation as the MCP report gives it: the checkpoint's metrics under OpenAI's names, less
/// <c>full_valid_loss</c> and <c>full_valid_mean_token_accuracy</c>, which OpenAI computes on the whole validation set
/// apart from a batch's <c>valid_*</c>; this service evaluates the whole set every time, so they were the same numbers twice.
/// </summary>
internal sealed record FineTuningJobMetrics(
    [property: Description("The optimizer step the evaluation was made at.")] long Step,
    [property: Description("Mean training loss over the steps since the evaluation before (for a contrastive job, the sentence-pair loss); null when none was reported.")] double? TrainLoss,
    [property: Description("Cross-entropy loss of the classifier on the validation texts.")] double? ValidLoss,
    [property: Description("Validation accuracy: the share of validation texts given their right label, 0 to 1 (OpenAI's name; a label is one token here).")] double? ValidMeanTokenAccuracy,
    [property: Description("How many validation texts the two figures above rest on; null for a job trained before this was recorded.")] long? ValidExamples);
