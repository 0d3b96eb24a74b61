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
    public static string For(DistillJobOptions options, TrainingProperties properties, TeacherModel teacher, IReadOnlyList<int> kept,
        TrainingData data, ClassifierModelInfo info, ClassificationReport teacherReport, FineTuningResult result) =>
        ModelCard.FromInfo(info, DistillationCard.Sections(options.FineTuning, options.Distillation, options.WeightDecay, properties, teacher, kept,
            ModelCardText.Sources(data), info.MaxLength, teacherReport, result, withRunLog: true));
}
