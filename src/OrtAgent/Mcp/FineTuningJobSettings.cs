using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>The method and hyperparameters of a job as <see cref="FineTuningJobReport"/> shows them.</summary>
internal sealed record FineTuningJobSettings(
    [property: Description("How the job trains: supervised or contrastive (what 'auto' chose, when it was asked for; the job's events say why).")] string Method,
    [property: Description("Passes over the training data (supervised) or over the sentence pairs (contrastive).")] int Epochs,
    [property: Description("Examples (supervised) or sentence pairs (contrastive) per optimizer step.")] int BatchSize,
    [property: Description("Multiplier of the method's default learning rate (5e-5 supervised, 2e-5 contrastive).")] double LearningRateMultiplier,
    [property: Description("Contrastive: rounds of one positive and one negative pair per example; null for supervised.")] int? PairRounds,
    [property: Description("The seed everything random derives from.")] int Seed);
