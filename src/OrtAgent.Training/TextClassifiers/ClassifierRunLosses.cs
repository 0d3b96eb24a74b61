using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Losses;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// The losses a classifier's training continues (<c>ortagent train --resume</c>, <see cref="TextClassifierTrainer.Train"/>):
/// single-label cross-entropy and the contrastive pair losses, whose graphs take a class index per text. Artifacts
/// generated with another loss (<c>ortagent artifacts --loss bce|mse|kd</c>) take float targets or a teacher's logits,
/// which text labels do not give: their first step failed inside ONNX Runtime after the run's records were written.
/// </summary>
internal static class ClassifierRunLosses
{
    /// <summary>
    /// What the artifacts were built for, in a refusal's words, when a classifier's training cannot continue them; null
    /// when it can. A distillation's student is the caller's to tell apart first (<see cref="Distillation.ResumedStudent.IsStudent"/>):
    /// this names a kd loss on a base model as it is.
    /// </summary>
    public static string? WhyNotContinued(TrainingProperties run)
    {
        if (run.Objective == TrainingObjective.PairSimilarity) return null;
        return LossOptions.ParseKind(run.Loss) switch
        {
            LossKind.CrossEntropy => null,
            LossKind.BinaryCrossEntropy => "these artifacts are built for multi-label classification (loss bce, as 'ortagent artifacts --loss bce' writes them): their training graph takes a 0 or 1 for every label of a text",
            LossKind.MeanSquaredError => "these artifacts are built for regression (loss mse, as 'ortagent artifacts --loss mse' writes them): their training graph takes a number for every output",
            _ => $"these artifacts have the distillation loss (kd) on the base model {run.BaseModel} itself, not a student cut from a teacher (as 'ortagent artifacts --loss kd' writes them): their training graph takes a teacher's logits for every text",
        };
    }
}
