using System.Globalization;
using System.Text;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>What <see cref="TextClassifierTrainer.Train"/> did: where the model went, how it trained, how well it did.</summary>
/// <param name="OutputDirectory">The exported model, which <c>OrtAgent.Runtime.TextClassifier.Load</c> opens: a full path.</param>
/// <param name="ArtifactsDirectory">The run's training graphs and checkpoints, from which it can be resumed: a full path.</param>
/// <param name="Labels">The label names in the model's output order.</param>
/// <param name="Method">The method trained by and why (asked for, chosen by <see cref="TrainingMethod.Auto"/>, or kept by a resumed run).</param>
/// <param name="Resumed">True when the run continued one found in the artifacts directory.</param>
/// <param name="Metric">The validation metric <see cref="BestMetric"/> is.</param>
/// <param name="BestMetric">The exported model's validation <see cref="Metric"/>; null when the run kept no evaluation.</param>
/// <param name="BestReport">The exported model's validation report (per-class scores, confusion matrix); null when the run kept none.</param>
/// <param name="BestStep">The optimizer step of the exported model.</param>
/// <param name="Steps">Optimizer steps taken in all, those of an earlier, resumed call included.</param>
/// <param name="StoppedEarly">True when early stopping ended the run.</param>
/// <param name="Elapsed">How long this call trained.</param>
/// <param name="TrainingExamples">The examples trained on.</param>
/// <param name="ValidationExamples">The examples validated on (held out of the training data when none were given).</param>
public sealed record TextClassifierTrainingResult(
    string OutputDirectory,
    string ArtifactsDirectory,
    IReadOnlyList<string> Labels,
    TrainingMethodChoice Method,
    bool Resumed,
    ValidationMetric Metric,
    double? BestMetric,
    ClassificationReport? BestReport,
    long BestStep,
    long Steps,
    bool StoppedEarly,
    TimeSpan Elapsed,
    int TrainingExamples,
    int ValidationExamples)
{
    /// <summary>
    /// The longest token sequence the model was trained on and predicts, [CLS] and [SEP] included:
    /// <see cref="TextClassifierTrainingOptions.MaxLength"/>, or the encoder's positions where it has fewer.
    /// </summary>
    public int MaxLength { get; init; }

    // The generated members printed Labels as its type's name (OrtAgent.Data.LabelSet) and the report as a type name
    // too: the labels are listed, and the report, a table of its own, is left to BestReport.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture,
            $"OutputDirectory = {OutputDirectory}, ArtifactsDirectory = {ArtifactsDirectory}, Labels = [{string.Join(", ", Labels)}], Method = {Method}, ")
            .Append(CultureInfo.InvariantCulture,
            $"Resumed = {Resumed}, Metric = {Metric}, BestMetric = {(BestMetric is double best ? best.ToString("F4", CultureInfo.InvariantCulture) : "none")}, BestStep = {BestStep}, ")
            .Append(CultureInfo.InvariantCulture,
            $"Steps = {Steps}, StoppedEarly = {StoppedEarly}, Elapsed = {Elapsed:hh\\:mm\\:ss}, TrainingExamples = {TrainingExamples}, ValidationExamples = {ValidationExamples}, MaxLength = {MaxLength}");
        return true;
    }
}
