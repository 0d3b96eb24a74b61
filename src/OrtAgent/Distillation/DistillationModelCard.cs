using System.Globalization;
using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Distillation;

/// <summary>The model card of a distilled student: the teacher, the layers kept, and both accuracies on one validation split.</summary>
internal static class DistillationModelCard
{
    /// <summary>The metadata metric carrying the teacher's validation accuracy beside the student's own metrics.</summary>
    public const string TeacherAccuracyMetric = "teacher_accuracy";

    public static string For(DistillJobOptions options, TrainingProperties properties, TeacherModel teacher, IReadOnlyList<int> kept,
        TrainingData data, ClassifierModelInfo info, ClassificationReport teacherReport, FineTuningResult result)
    {
        var f = options.FineTuning;
        var student = result.BestReport;
        string F(double? v) => v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
        var sections = new Dictionary<string, string>
        {
            ["Distillation"] =
                Inv($"- teacher: `{teacher.Directory}` ({teacher.Info.BaseModel}, {teacher.Layers} layers)\n")
                + StudentLine(kept) + "\n"
                + Inv($"- loss: α·T²·KL(teacher_T ‖ student_T) + (1−α)·CE with T = {properties.Temperature ?? options.Distillation.Temperature}, ")
                + Inv($"α = {properties.DistillationWeight ?? options.Distillation.Alpha}; teacher logits computed once before training"),
            ["Teacher and student on the validation split"] =
                "| model | layers | accuracy | macro-F1 |\n|---|---|---|---|\n"
                + Inv($"| teacher | {teacher.Layers} | {F(teacherReport.Accuracy)} | {F(teacherReport.MacroF1)} |\n")
                + Inv($"| student | {kept.Count} | {F(student?.Accuracy)} | {F(student?.MacroF1)} |"),
            ["Data"] = ClassifierTrainingCard.DataSection(ModelCardText.Sources(data)),
            ["Hyperparameters"] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| epochs | {f.Epochs} |\n| batch size | {ClassifierTrainingCard.BatchSize(f, data.Training.Count)} × {f.GradientAccumulation} accumulation |\n| learning rate | {f.LearningRate} ({LearningRateSchedule.NameOf(f.Scheduler)}, warmup {f.WarmupRatio}) |\n| weight decay | {options.WeightDecay} |\n| max grad norm | {f.MaxGradNorm} |\n| max length | {info.MaxLength} |\n| pooling | {properties.Pooling} |\n| dropout | {properties.DropoutRatio} |\n| seed | {f.Seed} |\n| early stopping | {ClassifierTrainingCard.EarlyStopping(f)} |"),
            ["Run"] = string.Create(CultureInfo.InvariantCulture,
                $"{result.Steps} optimizer steps in {result.Elapsed:hh\\:mm\\:ss}; {ClassifierTrainingCard.KeptModel(f, data.Validation.Count, result)}. The validation loss is cross-entropy on the labels. Files: `metrics.jsonl`, `training_curve.png`."),
        };
        return ModelCard.FromInfo(info, sections);
    }

    /// <summary>
    /// What <c>export --checkpoint</c> says of a student from its artifacts' record (the teacher's card figures are not
    /// kept there): the teacher and the layers kept.
    /// </summary>
    public static string StudentLines(string teacher, IReadOnlyList<int> kept) => $"- teacher: `{teacher}`\n" + StudentLine(kept);

    private static string StudentLine(IReadOnlyList<int> kept) =>
        Inv($"- student: {kept.Count} layers, teacher layers {string.Join(", ", kept)} renumbered 0-{kept.Count - 1} ")
        + "(the last layer of each of N even blocks), the teacher's embeddings and trained head";

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
