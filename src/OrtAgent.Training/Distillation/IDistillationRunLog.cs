using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// What a caller of <see cref="TextClassifiers.TextClassifierTrainer"/>'s distillation run keeps of it beside the
/// student, as <c>ortagent distill</c> keeps its records, <c>metrics.jsonl</c> and the training curve: the run calls it
/// at its turns, and exports the files it names with the model (and says so on the card).
/// </summary>
internal interface IDistillationRunLog
{
    /// <summary>
    /// Writes the caller's own records into the run's artifacts: for a new run (<paramref name="isNew"/>) before it is
    /// marked set up, so a run stopped before then is started again rather than resumed without them.
    /// </summary>
    void Record(string artifactsDirectory, bool isNew);

    /// <summary>
    /// Called for a new run as it starts, before the teacher's pass: where the caller says what the new run will replace
    /// in <paramref name="artifactsDirectory"/>. Nothing there changes until the student is built, so a stop until then
    /// keeps it.
    /// </summary>
    void NewRunStarting(string artifactsDirectory);

    /// <summary>Runs <paramref name="train"/>, whose steps and evaluations go to the observer it is handed, with the log open around it.</summary>
    /// <param name="artifactsDirectory">The run's artifacts, where the log is kept.</param>
    /// <param name="resumedAtStep">The step a resumed run goes on from, whose later entries an earlier call's log drops; null for a new run.</param>
    /// <param name="metric">The validation metric the run chooses by.</param>
    /// <param name="train">The training itself.</param>
    FineTuningResult Train(string artifactsDirectory, long? resumedAtStep, ValidationMetric metric, Func<ITrainingObserver, FineTuningResult> train);

    /// <summary>The files exported beside the model, by file name → path, once <see cref="Train"/> has returned.</summary>
    IReadOnlyDictionary<string, string> Files(string artifactsDirectory);
}
