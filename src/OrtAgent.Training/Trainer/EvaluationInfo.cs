using System.Globalization;
using System.Text;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Trainer;

/// <summary>A validation pass: its report, whether its model is the one the run keeps, and where in the run it happened.</summary>
/// <param name="Epoch">The epoch the evaluation ended (1-based).</param>
/// <param name="Step">The optimizer steps taken when the model was evaluated.</param>
/// <param name="Report">The validation set's loss, accuracy, macro F1 and per-class scores.</param>
/// <param name="IsBest">
/// True when this evaluation's model is the one the run keeps as things stand, the one an export of the run would
/// take now. A run that chooses by validation keeps the best so far: true when <paramref name="MonitoredValue"/>
/// improved on every earlier evaluation's. A run that keeps its last model (<see cref="ModelToKeep.Last"/>, or fewer
/// validation texts than <see cref="FineTuningOptions.MinimumValidationToSelect"/>) keeps the latest: true for every
/// evaluation, each replacing the one before. A contrastive run's one evaluation, of the head it fits, is always true.
/// </param>
/// <param name="MonitoredValue">
/// The value of <see cref="FineTuningOptions.Metric"/> the run judges by: under selection by validation, the mean over
/// the last <see cref="FineTuningOptions.SmoothingWindowFor"/> evaluations (<see cref="FineTuningOptions.SmoothingWindow"/>
/// of them on fewer than 100 validation texts, whose scores jump from one evaluation to the next; on 100 or more, this
/// evaluation alone), which is what improves or not; otherwise this evaluation's own value, as in <paramref name="Report"/>.
/// A contrastive run's is its head's validation accuracy.
/// </param>
public sealed record EvaluationInfo(int Epoch, long Step, ClassificationReport Report, bool IsBest, double MonitoredValue)
{
    /// <summary>
    /// Whether the run chooses its model by validation, so that <see cref="IsBest"/> says this evaluation won: false for
    /// a run that keeps its last model, whose every evaluation is <see cref="IsBest"/> and only reported.
    /// </summary>
    public bool ChosenByValidation { get; init; } = true;

    // The generated members printed the report as its type's name (OrtAgent.Training.Evaluation.ClassificationReport):
    // its headline figures are printed instead, the per-class table left to Report.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture,
            $"Epoch = {Epoch}, Step = {Step}, Loss = {(Report.Loss is double loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : "none")}, ")
            .Append(CultureInfo.InvariantCulture, $"Accuracy = {Report.Accuracy:F4}, MacroF1 = {Report.MacroF1:F4}, IsBest = {IsBest}, MonitoredValue = {MonitoredValue:F4}");
        return true;
    }
}
