using System.Globalization;
using System.Text;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>What <see cref="TextClassifierTrainer.Distill"/> did: where the student went, what it kept of the teacher, how both did.</summary>
/// <param name="OutputDirectory">The exported student, which <c>OrtAgent.Runtime.TextClassifier.Load</c> opens: a full path.</param>
/// <param name="ArtifactsDirectory">The student's training graphs and checkpoints, from which it can be resumed: a full path.</param>
/// <param name="Labels">The label names in the model's output order: the teacher's.</param>
/// <param name="TeacherLayers">The teacher's encoder layers.</param>
/// <param name="KeptLayers">The teacher layers the student kept, in student order.</param>
/// <param name="Resumed">True when the run continued one found in the artifacts directory.</param>
/// <param name="Teacher">The teacher on the validation examples.</param>
/// <param name="Student">The exported student on the same examples; null when the run kept no evaluation.</param>
/// <param name="Metric">The validation metric <see cref="BestMetric"/> is.</param>
/// <param name="BestMetric">The exported student's validation <see cref="Metric"/>; null when the run kept no evaluation.</param>
/// <param name="BestStep">The optimizer step of the exported student.</param>
/// <param name="Steps">Optimizer steps taken in all, those of an earlier, resumed call included.</param>
/// <param name="StoppedEarly">True when early stopping ended the run.</param>
/// <param name="Elapsed">How long this call trained.</param>
/// <param name="TrainingExamples">The examples trained on.</param>
/// <param name="ValidationExamples">The examples validated on (held out of the training data when none were given).</param>
public sealed record TextClassifierDistillationResult(
    string OutputDirectory,
    string ArtifactsDirectory,
    IReadOnlyList<string> Labels,
    int TeacherLayers,
    IReadOnlyList<int> KeptLayers,
    bool Resumed,
    ClassificationReport Teacher,
    ClassificationReport? Student,
    ValidationMetric Metric,
    double? BestMetric,
    long BestStep,
    long Steps,
    bool StoppedEarly,
    TimeSpan Elapsed,
    int TrainingExamples,
    int ValidationExamples)
{
    // As TextClassifierTrainingResult prints itself: the lists item by item, each report by its accuracy (the generated
    // members would print their type names), the reports themselves left to Teacher and Student.
    private bool PrintMembers(StringBuilder builder)
    {
        static string F(double? value) => value is double v ? v.ToString("F4", CultureInfo.InvariantCulture) : "none";
        builder.Append(CultureInfo.InvariantCulture,
            $"OutputDirectory = {OutputDirectory}, ArtifactsDirectory = {ArtifactsDirectory}, Labels = [{string.Join(", ", Labels)}], TeacherLayers = {TeacherLayers}, ")
            .Append(CultureInfo.InvariantCulture,
            $"KeptLayers = [{string.Join(", ", KeptLayers)}], Resumed = {Resumed}, Teacher accuracy = {F(Teacher.Accuracy)}, Student accuracy = {F(Student?.Accuracy)}, ")
            .Append(CultureInfo.InvariantCulture,
            $"Metric = {Metric}, BestMetric = {F(BestMetric)}, BestStep = {BestStep}, Steps = {Steps}, StoppedEarly = {StoppedEarly}, Elapsed = {Elapsed:hh\\:mm\\:ss}, ")
            .Append(CultureInfo.InvariantCulture, $"TrainingExamples = {TrainingExamples}, ValidationExamples = {ValidationExamples}");
        return true;
    }
}
