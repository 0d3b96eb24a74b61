using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>The hyperparameters of a job as <see cref="FineTuningJobReport"/> shows them.</summary>
internal sealed record FineTuningJobSettings(
    [property: Description("Passes over the training data.")] int Epochs,
    [property: Description("Examples per optimizer step.")] int BatchSize,
    [property: Description("Multiplier of the default learning rate (5e-5).")] double LearningRateMultiplier,
    [property: Description("The seed everything random derives from.")] int Seed);
