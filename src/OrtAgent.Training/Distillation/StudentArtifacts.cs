using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// Training artifacts for a student: the teacher cut to the kept layers is written as a base encoder into
/// <c>student-encoder/</c> inside the artifacts directory (so an export and a resumed run find it there), the graphs are
/// generated from it by the usual builder with the distillation loss, and the initial checkpoint takes the teacher's
/// trained head, so step 0 is the teacher with layers skipped rather than a fresh head. All of it is built in memory
/// before anything in the directory is written (<see cref="DerivedEncoder"/>).
/// </summary>
public static class StudentArtifacts
{
    /// <summary>The student's base encoder inside the artifacts directory.</summary>
    public const string EncoderDirectoryName = TrainingArtifacts.DerivedEncoderDirectoryName;

    /// <summary>Builds the student's artifacts into <paramref name="directory"/>.</summary>
    /// <param name="teacher">The teacher.</param>
    /// <param name="keep">The teacher layers kept (<see cref="LayerSelection"/>).</param>
    /// <param name="distillation">Temperature and α, baked into the training graph.</param>
    /// <param name="training">Seed, head dropout, weight decay, max length and base name of the run.</param>
    /// <param name="directory">The artifacts directory.</param>
    public static TrainingArtifacts Generate(TeacherModel teacher, IReadOnlyList<int> keep, DistillationOptions distillation,
        StudentTrainingSettings training, string directory) =>
        Generate(teacher, keep, distillation, training, directory, leaveMarkedForSetup: false, CancellationToken.None);

    /// <summary>
    /// As <see cref="Generate(TeacherModel, IReadOnlyList{int}, DistillationOptions, StudentTrainingSettings, string)"/>
    /// for a new run set up in place of whatever <paramref name="directory"/> holds: <paramref name="cancellationToken"/> is
    /// looked at before each part of the build and once the student is built, before the directory changes, and the directory is
    /// left marked as being set up (<see cref="TrainingArtifacts.BeginSetup"/>) for the caller to complete once its
    /// records are written.
    /// </summary>
    internal static TrainingArtifacts GenerateReplacing(TeacherModel teacher, IReadOnlyList<int> keep, DistillationOptions distillation,
        StudentTrainingSettings training, string directory, CancellationToken cancellationToken) =>
        Generate(teacher, keep, distillation, training, directory, leaveMarkedForSetup: true, cancellationToken);

    private static TrainingArtifacts Generate(TeacherModel teacher, IReadOnlyList<int> keep, DistillationOptions distillation,
        StudentTrainingSettings training, string directory, bool leaveMarkedForSetup, CancellationToken cancellationToken)
    {
        var encoderDirectory = Path.Combine(Path.GetFullPath(directory), EncoderDirectoryName);
        var encoder = DerivedEncoder.Hold(teacher.BuildStudentEncoder(keep), $"the student of {teacher.Directory} with {keep.Count} of its {teacher.Layers} layers",
            "keep fewer layers", teacher.WriteStudentBase);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = encoderDirectory,
            Labels = teacher.Info.Labels.ToList(),
            NumLabels = teacher.Info.Labels.Count,
            Pooling = teacher.Pooling,
            Loss = LossKind.Distillation,
            Temperature = distillation.Temperature,
            DistillationWeight = distillation.Alpha,
            Seed = training.Seed,
            DropoutRatio = training.DropoutRatio,
            AdamW = new AdamWOptions { WeightDecay = training.WeightDecay },
            MaxLength = training.MaxLength,
            LowerCase = teacher.Info.LowerCase,
            BaseModelName = training.BaseModelName,
            LeaveMarkedForSetup = leaveMarkedForSetup,
        }, directory, encoder, TeacherHead(teacher), static () => { }, cancellationToken);
        return artifacts;
    }

    /// <summary>
    /// The teacher's trained head as the student's starting weights, in place of the built head of the same name and
    /// shape; every other parameter is the student encoder's own, which already holds the teacher's weights.
    /// </summary>
    private static StartingWeights TeacherHead(TeacherModel teacher)
    {
        var head = new Dictionary<string, TensorData>(StringComparer.Ordinal)
        {
            [ClassifierHead.WeightName] = teacher.HeadWeight,
            [ClassifierHead.BiasName] = teacher.HeadBias,
        };
        return (built, _) => built.Select(p => head.TryGetValue(p.Key, out var trained) && trained.Dims.SequenceEqual(p.Value.Dims)
            ? new KeyValuePair<string, TensorData>(p.Key, trained)
            : p).ToList();
    }
}
