namespace OrtAgent.Runtime;

/// <summary>
/// A training run's artifacts directory given where a model is asked for: it has no <c>model.onnx</c> until a model is
/// exported from its checkpoint. The message says so and what to do in the libraries' terms; a host that exports another
/// way (a command) rebuilds its line from <see cref="Problem"/> and <see cref="ArtifactsDirectory"/>.
/// </summary>
public sealed class TrainingArtifactsNotAModelException : ModelLoadException
{
    /// <param name="artifactsDirectory">The directory as the caller named it.</param>
    public TrainingArtifactsNotAModelException(string artifactsDirectory)
        : this(artifactsDirectory, $"{artifactsDirectory}: no {ModelContract.ModelFile} in the model directory: this is a training run's artifacts, not a model")
    {
    }

    private TrainingArtifactsNotAModelException(string artifactsDirectory, string problem)
        : base($"{problem}; export a model from its checkpoint (ModelExporter.Export, in OrtAgent.Training) and load that")
    {
        ArtifactsDirectory = artifactsDirectory;
        Problem = problem;
    }

    /// <summary>The directory as the caller named it.</summary>
    public string ArtifactsDirectory { get; }

    /// <summary>What is wrong, without the remedy.</summary>
    public string Problem { get; }

    /// <summary>
    /// Why <paramref name="directory"/>, which has no <c>model.onnx</c>, cannot be loaded as a model: a run's artifacts
    /// are said as such (<see cref="TrainingArtifactsNotAModelException"/>), any other directory as missing the file.
    /// </summary>
    /// <param name="directory">The directory as the caller named it.</param>
    public static ModelLoadException NoModelFileIn(string directory) =>
        TrainingRunFiles.AreIn(directory)
            ? new TrainingArtifactsNotAModelException(directory)
            : File.Exists(Path.Combine(directory, LoraAdapterNotAModelException.AdapterConfigFile)) ? new LoraAdapterNotAModelException(directory)
            : new ModelLoadException($"{directory}: no {ModelContract.ModelFile} in the model directory");
}
