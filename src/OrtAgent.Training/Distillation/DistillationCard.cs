using System.Globalization;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// The model card sections of a distilled student, which <c>ortagent distill</c> and
/// <see cref="TextClassifiers.TextClassifierTrainer.Distill"/> both write: the teacher, the layers kept, and both
/// models' accuracy on one validation split, beside the data, hyperparameters and run.
/// </summary>
internal static class DistillationCard
{
    /// <summary>The metadata metric carrying the teacher's validation accuracy beside the student's own metrics.</summary>
    public const string TeacherAccuracyMetric = "teacher_accuracy";

    /// <summary>The card's sections, in order: <see cref="StartingSections"/>, with both models' accuracy after the first and the run at the end.</summary>
    /// <param name="fineTuning">The training loop's settings.</param>
    /// <param name="distillation">Temperature and α asked for; the artifacts' own (<paramref name="properties"/>) win.</param>
    /// <param name="weightDecay">The optimizer's weight decay.</param>
    /// <param name="properties">What the student's graphs were built with, on a resumed run too.</param>
    /// <param name="teacher">The teacher.</param>
    /// <param name="kept">The teacher layers the student keeps.</param>
    /// <param name="data">The training and validation sets.</param>
    /// <param name="maxLength">The maximum token length trained with.</param>
    /// <param name="teacherReport">The teacher on the validation split.</param>
    /// <param name="result">The student's training outcome.</param>
    /// <param name="resumedAtStep">The step this call resumed the run at; null when it began the run. The run's time is this call's only when it began the run, as on train's card.</param>
    /// <param name="withRunLog">Whether <c>metrics.jsonl</c> and <c>training_curve.png</c> sit beside the model, which the card then names.</param>
    public static Dictionary<string, string> Sections(FineTuningOptions fineTuning, DistillationOptions distillation, double weightDecay, TrainingProperties properties,
        TeacherModel teacher, IReadOnlyList<int> kept, ClassifierTrainingCard.DataSources data, int maxLength, ClassificationReport teacherReport,
        FineTuningResult result, long? resumedAtStep, bool withRunLog)
    {
        ArgumentNullException.ThrowIfNull(result);
        var starting = StartingSections(fineTuning, distillation, weightDecay, properties, teacher, kept, data, maxLength);
        var student = result.BestReport;
        string F(double? v) => v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
        return new Dictionary<string, string>
        {
            [DistillationTitle] = starting[DistillationTitle],
            ["Teacher and student on the validation split"] =
                "| model | layers | accuracy | macro-F1 |\n|---|---|---|---|\n"
                + Inv($"| teacher | {teacher.Layers} | {F(teacherReport.Accuracy)} | {F(teacherReport.MacroF1)} |\n")
                + Inv($"| student | {kept.Count} | {F(student?.Accuracy)} | {F(student?.MacroF1)} |"),
            [DataTitle] = starting[DataTitle],
            [HyperparametersTitle] = starting[HyperparametersTitle],
            ["Run"] = string.Create(CultureInfo.InvariantCulture,
                $"{result.Steps} optimizer steps{ClassifierTrainingCard.TrainedIn(result, resumedAtStep)}; {ClassifierTrainingCard.KeptModel(fineTuning, data.ValidationCount, result)}. The validation loss is cross-entropy on the labels.")
                + (withRunLog ? $" Files: `{TrainingArtifacts.MetricsLogFile}`, `{TrainingArtifacts.TrainingCurveFile}`." : ""),
        };
    }

    /// <summary>
    /// The sections of a student's card that it can write before it trains (the teacher and layers kept, the data, the
    /// hyperparameters): what <see cref="TrainingArtifacts.RecordStartingCard"/> keeps, as train's runs keep theirs, so
    /// that an export of the run before it finishes says them too. Both models' accuracy and the run wait for its outcome.
    /// </summary>
    /// <inheritdoc cref="Sections" path="/param"/>
    public static Dictionary<string, string> StartingSections(FineTuningOptions fineTuning, DistillationOptions distillation, double weightDecay,
        TrainingProperties properties, TeacherModel teacher, IReadOnlyList<int> kept, ClassifierTrainingCard.DataSources data, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(fineTuning);
        var f = fineTuning;
        return new Dictionary<string, string>
        {
            [DistillationTitle] =
                Inv($"- teacher: `{teacher.Directory}` ({teacher.Info.BaseModel}, {teacher.Layers} layers)\n")
                + StudentLine(kept) + "\n"
                + Inv($"- loss: α·T²·KL(teacher_T ‖ student_T) + (1−α)·CE with T = {NumberText.Of(properties.Temperature ?? distillation.Temperature)}, ")
                + Inv($"α = {NumberText.Of(properties.DistillationWeight ?? distillation.Alpha)}; teacher logits computed once before training"),
            [DataTitle] = ClassifierTrainingCard.DataSection(data),
            [HyperparametersTitle] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| epochs | {ClassifierTrainingCard.Epochs(f, data.TrainingCount)} |\n| batch size | {ClassifierTrainingCard.BatchSize(f, data.TrainingCount)} × {f.GradientAccumulation} accumulation |\n| learning rate | {LearningRateText.Of(ClassifierTrainingCard.ResolvedLearningRate(f, loraAdapters: false))} ({LearningRateSchedule.NameOf(f.Scheduler)}, warmup {NumberText.Of(f.WarmupRatio)}) |\n| weight decay | {NumberText.Of(weightDecay)} |\n| max grad norm | {NumberText.Of(f.MaxGradNorm)} |\n| max length | {maxLength} |\n| pooling | {properties.Pooling} |\n| dropout | {NumberText.Of(properties.DropoutRatio)} |\n| frozen | {ClassifierTrainingCard.Frozen(properties)} |\n| seed | {f.Seed} |\n| early stopping | {ClassifierTrainingCard.EarlyStopping(f)} |"),
        };
    }

    private const string DistillationTitle = "Distillation", DataTitle = "Data", HyperparametersTitle = "Hyperparameters";

    /// <summary>
    /// What a card says of a student from its artifacts' record alone (<see cref="StudentRecord"/>; the teacher's card
    /// figures are not kept there): the teacher and the layers kept.
    /// </summary>
    public static string StudentLines(string teacher, IReadOnlyList<int> kept) => $"- teacher: `{teacher}`\n" + StudentLine(kept);

    // One kept layer is the teacher's last: "1 layers, teacher layers 3 renumbered 0-0 (the last layer of each of N even blocks)" said it in the plural. (A teacher has two or more.)
    private static string StudentLine(IReadOnlyList<int> kept) => kept.Count == 1
        ? Inv($"- student: 1 layer, teacher layer {kept[0]} (its last) renumbered 0, the teacher's embeddings and trained head")
        : Inv($"- student: {kept.Count} layers, teacher layers {string.Join(", ", kept)} renumbered 0-{kept.Count - 1} (the last layer of each of {kept.Count} even blocks), the teacher's embeddings and trained head");

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
