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
/// <param name="Resumed">True when the call continued a run found in the artifacts directory, so <paramref name="Elapsed"/> is the time of the steps it took, not the run's.</param>
/// <param name="Elapsed">How long this call trained.</param>
public sealed record DistillJobResult(
    string OutputDirectory,
    string ArtifactsDirectory,
    int TeacherLayers,
    IReadOnlyList<int> KeptLayers,
    ClassificationReport Teacher,
    ClassificationReport? Student,
    long Steps,
    bool StoppedEarly,
    bool Resumed,
    TimeSpan Elapsed);
