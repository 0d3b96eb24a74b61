using System.Reflection;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// The <see cref="TextClassifierTrainingOptions"/> only standard fine-tuning reads, which a contrastive run refuses
/// (<see cref="ClassifierTraining.RefuseStandardOnly"/>) rather than drop, as <c>ortagent train</c> refuses their flags.
/// </summary>
internal static class TextClassifierStandardOnlySettings
{
    /// <summary>The settings only standard fine-tuning reads, each with whether it was given (is not its default), for <see cref="ClassifierTraining.RefuseStandardOnly"/>.</summary>
    public static (string Option, object Value, bool Given)[] Of(TextClassifierTrainingOptions options, InitialModel? initFrom) =>
    [
        (Name(nameof(TextClassifierTrainingOptions.ClassWeights)), options.ClassWeights.Text, !options.ClassWeights.IsNone),
        // Contrastive training fine-tunes the whole encoder on pairs, compares mean-pooled embeddings, and its export pools so.
        (Name(nameof(TextClassifierTrainingOptions.Lora)), TextClassifierResumeCheck.Describe(options.Lora), options.Lora is not null),
        (Name(nameof(TextClassifierTrainingOptions.Pooling)), options.Pooling, options.Pooling != PoolingMode.Mean),
        // An adapter trains on as adapters, which contrastive training (the whole encoder on pairs) has none of.
        (Name(nameof(TextClassifierTrainingOptions.InitFrom)), options.InitFrom ?? "", initFrom?.Adapter is not null),
        // The loop's settings contrastive training takes from its own options (ClassifierTraining.FineTuningReadByContrastive).
        .. typeof(FineTuningOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.CanWrite && !ClassifierTraining.FineTuningReadByContrastive.Contains(property.Name))
            .Select(property => (InvalidOptionException.Name<FineTuningOptions>(property.Name), property.GetValue(options.FineTuning)!,
                !RecordedSettings.SameSetting(property.GetValue(options.FineTuning), property.GetValue(DefaultFineTuning)))),
    ];

    private static readonly FineTuningOptions DefaultFineTuning = new();

    private static string Name(string property) => TextClassifierTrainer.Name(property);
}
