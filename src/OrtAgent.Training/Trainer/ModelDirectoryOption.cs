using OrtAgent.Runtime;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The refusals of an option that names a model's directory (a teacher, a model to train on from) when what it names is
/// no model at all: missing, a file, or a training run's artifacts. One wording for every such option, as the option's
/// <see cref="InvalidOptionException"/>; a run's artifacts keep the <see cref="TrainingArtifactsNotAModelException"/>
/// as the inner exception, from which a host builds its own way to export a model.
/// </summary>
internal static class ModelDirectoryOption
{
    /// <param name="directory">The directory as the option gave it.</param>
    /// <param name="option">The option, <c>Type.Property</c>.</param>
    /// <param name="use">What the caller does with a model (<c>start from</c>, <c>distil from</c>), for the remedy.</param>
    /// <returns>
    /// Why the directory is no model when it holds no <c>model.onnx</c> and is not a run's artifacts (no file there, an
    /// adapter: <see cref="TrainingArtifactsNotAModelException.NoModelFileIn"/>), for a caller that needs the file to
    /// refuse it with, without looking through the folder again; null when the file is there.
    /// </returns>
    /// <exception cref="InvalidOptionException">It is missing, a file, or a run's artifacts (or a folder of them) without a <c>model.onnx</c>.</exception>
    public static ModelLoadException? RequireModelDirectory(string directory, string option, string use)
    {
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            throw new InvalidOptionException(option, directory, File.Exists(full) ? NotADirectory(full) : "does not exist");
        if (File.Exists(Path.Combine(full, ModelContract.ModelFile))) return null;
        var missing = TrainingArtifactsNotAModelException.NoModelFileIn(directory);
        if (missing is TrainingArtifactsNotAModelException artifacts)
            throw new InvalidOptionException(option, directory, $"{artifacts.Reason}; {Remedy(use)}", artifacts);
        return missing;
    }

    /// <summary>
    /// What a file named where a model's folder belongs is told: "a model is a directory" named neither the folder nor its
    /// files, and read as if the file were the model and only misplaced.
    /// </summary>
    public const string IsAFile = "is a file; " + FolderExpected;

    private const string FolderExpected = "a model folder is expected (one holding model.onnx, vocab.txt and the rest of an exported model)";

    /// <summary>
    /// What <paramref name="full"/>, which exists and is no directory, is told: a device or a FIFO (<c>--teacher /dev/null</c>)
    /// is said to be what it is, not "a file" as if a model file had been named where its folder belongs.
    /// </summary>
    private static string NotADirectory(string full) =>
        $"{RegularFile.WhereAFolderWasNamed(full)}; {FolderExpected}";

    /// <summary>The library's way from a run's artifacts to a model to <paramref name="use"/>.</summary>
    public static string Remedy(string use) => $"export a model from its checkpoint (ModelExporter.Export) and {use} that";
}
