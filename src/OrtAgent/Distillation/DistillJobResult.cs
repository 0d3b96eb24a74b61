using OrtAgent.Training.Evaluation;

namespace OrtAgent.Distillation;

/// <summary>What a distillation run produced.</summary>
/// <param name="OutputDirectory">The exported student.</param>
/// <param name="ArtifactsDirectory">The student's training artifacts.</param>
/// <param name="TeacherLayers">The teacher's encoder layers.</param>
/// <param name="KeptLayers">The teacher layers the student kept, in student order.</param>
/// <param name="Teacher">The teacher scored on the validation split.</param>
/// <param name="Student">The exported student's evaluation on the same split; null only if no evaluation ran.</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run.</param>
/// <param name="Elapsed">Training time.</param>
public sealed record DistillJobResult(
    string OutputDirectory,
    string ArtifactsDirectory,
    int TeacherLayers,
    IReadOnlyList<int> KeptLayers,
    ClassificationReport Teacher,
    ClassificationReport? Student,
    long Steps,
    bool StoppedEarly,
    TimeSpan Elapsed);
