namespace OrtAgent.Runtime;

/// <summary>
/// The files only a training run's artifacts directory has. The training library writes them (<c>TrainingArtifacts</c>
/// names its files by these); the runtime, which does not reference it, knows them to say what a directory given as a
/// model is, since a run's artifacts are where training wrote and so where users look for its model.
/// </summary>
internal static class TrainingRunFiles
{
    internal const string TrainingModelFile = "training_model.onnx";
    internal const string EvalModelFile = "eval_model.onnx";
    internal const string OptimizerModelFile = "optimizer_model.onnx";
    internal const string CheckpointDirectoryName = "checkpoint";
    internal const string PropertiesFile = "properties.json";
    internal const string SetupMarkerFile = "setting-up";

    /// <summary>
    /// True when <paramref name="directory"/> holds a run's artifacts, complete or being set up: one of the files only an
    /// artifacts directory has (a folder named <c>checkpoint</c> alone is common enough elsewhere to prove nothing).
    /// </summary>
    internal static bool AreIn(string directory) =>
        new[] { TrainingModelFile, EvalModelFile, OptimizerModelFile, SetupMarkerFile, Path.Combine(CheckpointDirectoryName, PropertiesFile) }
            .Any(file => File.Exists(Path.Combine(directory, file)));
}
