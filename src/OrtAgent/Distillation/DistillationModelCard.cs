using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Distillation;

/// <summary>The model card of a distilled student (<see cref="DistillationCard"/>), with its data named by file and its run log beside it.</summary>
internal static class DistillationModelCard
{
    /// <summary>The metadata metric carrying the teacher's validation accuracy beside the student's own metrics.</summary>
    public const string TeacherAccuracyMetric = DistillationCard.TeacherAccuracyMetric;

    public static string For(DistillJobOptions options, TrainingProperties properties, TeacherModel teacher, IReadOnlyList<int> kept,
        TrainingData data, ClassifierModelInfo info, ClassificationReport teacherReport, FineTuningResult result) =>
        ModelCard.FromInfo(info, DistillationCard.Sections(options.FineTuning, options.Distillation, options.WeightDecay, properties, teacher, kept,
            ModelCardText.Sources(data), info.MaxLength, teacherReport, result, withRunLog: true));

    /// <summary>
    /// What <c>export --checkpoint</c> says of a student from its artifacts' record (the teacher's card figures are not
    /// kept there): the teacher and the layers kept.
    /// </summary>
    public static string StudentLines(string teacher, IReadOnlyList<int> kept) => DistillationCard.StudentLines(teacher, kept);
}
