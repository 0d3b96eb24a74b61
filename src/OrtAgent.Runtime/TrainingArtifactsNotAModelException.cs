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
        : this(artifactsDirectory, artifactsDirectory, $"no {ModelContract.ModelFile} in the model directory: this is a training run's artifacts, not a model")
    {
    }

    /// <param name="artifactsDirectory">The run's artifacts directory.</param>
    /// <param name="given">The directory as the caller named it: the artifacts, or a folder of them.</param>
    /// <param name="reason">What is wrong with <paramref name="given"/>, without naming it.</param>
    private TrainingArtifactsNotAModelException(string artifactsDirectory, string given, string reason)
        : base($"{given}: {reason}; export a model from its checkpoint (ModelExporter.Export, in OrtAgent.Training) and load that")
    {
        ArtifactsDirectory = artifactsDirectory;
        Reason = reason;
        Problem = $"{given}: {reason}";
    }

    /// <summary>
    /// The run's artifacts directory: as the caller named it, or, for a folder of it the caller named (its
    /// <c>checkpoint</c>, <c>best</c>), the directory holding that folder, as a full path.
    /// </summary>
    public string ArtifactsDirectory { get; }

    /// <summary>What is wrong, without the remedy: the directory given, then <see cref="Reason"/>.</summary>
    public string Problem { get; }

    /// <summary>
    /// What is wrong, without the remedy or the directory given: for a host that names the directory its own way (as an
    /// option's value).
    /// </summary>
    public string Reason { get; }

    /// <summary>
    /// Why <paramref name="directory"/>, which has no <c>model.onnx</c> file, cannot be loaded as a model: a run's
    /// artifacts, or a folder of them (their <c>checkpoint</c>), are said as such (<see cref="TrainingArtifactsNotAModelException"/>),
    /// a <c>model.onnx</c> that is a folder as that, any other directory as missing the file.
    /// </summary>
    /// <param name="directory">The directory as the caller named it.</param>
    public static ModelLoadException NoModelFileIn(string directory)
    {
        if (TrainingRunFiles.AreIn(directory)) return new TrainingArtifactsNotAModelException(directory);
        // Where a user looks for the run's model as much as in the run's own folder: said with the same way to a model.
        if (Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))) is { } parent && TrainingRunFiles.AreIn(parent))
            return new TrainingArtifactsNotAModelException(parent, directory,
                $"no {ModelContract.ModelFile} in the model directory: this folder is part of a training run's artifacts ({parent}), not a model");
        var model = Path.Combine(directory, ModelContract.ModelFile);
        if (Directory.Exists(model)) return new ModelLoadException($"{model}: is a directory; a model's {ModelContract.ModelFile} is a file");
        return File.Exists(Path.Combine(directory, LoraAdapterNotAModelException.AdapterConfigFile)) ? new LoraAdapterNotAModelException(directory)
            : new ModelLoadException(new ValueRefusal(directory, $"no {ModelContract.ModelFile} in the model directory"));
    }
}
