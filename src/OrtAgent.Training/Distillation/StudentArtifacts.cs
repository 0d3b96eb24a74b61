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
/// trained head, so step 0 is the teacher with layers skipped rather than a fresh head.
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
        StudentTrainingSettings training, string directory)
    {
        var encoder = Path.Combine(Path.GetFullPath(directory), EncoderDirectoryName);
        teacher.WriteStudentBase(keep, encoder);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = encoder,
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
        }, directory);
        StartFromTeacherHead(artifacts, teacher);
        return artifacts;
    }

    private static void StartFromTeacherHead(TrainingArtifacts artifacts, TeacherModel teacher)
    {
        var head = new Dictionary<string, TensorData>(StringComparer.Ordinal)
        {
            [ClassifierHead.WeightName] = teacher.HeadWeight,
            [ClassifierHead.BiasName] = teacher.HeadBias,
        };
        var checkpoint = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
        var parameters = checkpoint.Tensors.Select(p => head.TryGetValue(p.Key, out var trained) && trained.Dims.SequenceEqual(p.Value.Dims)
            ? new KeyValuePair<string, TensorData>(p.Key, trained)
            : p).ToList();
        var optimizer = SafeTensorsReader.Read(artifacts.OptimizerCheckpointPath).Tensors;
        artifacts.SaveCheckpoint(parameters, optimizer, artifacts.Properties, new TrainerState { Seed = artifacts.Properties.Seed }.ToJson());
    }
}
