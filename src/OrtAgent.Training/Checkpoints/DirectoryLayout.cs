using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// The files one kind of OrtAgent directory holds, so that <see cref="DestinationGuard"/> recognises directories written
/// by OrtAgent versions older than <see cref="WrittenFilesManifest"/>: such a directory may be replaced when all its
/// files are among <see cref="Files"/> and it carries the kind's mark (for an exported model, <c>model.onnx</c> with
/// <c>ortagent.*</c> metadata), so a user's own BERT directory with a <c>model.onnx</c> is never taken for one.
/// </summary>
public sealed class DirectoryLayout
{
    private readonly Func<string, bool> _isMarked;

    private DirectoryLayout(string description, IReadOnlyList<string> files, Func<string, bool> isMarked)
    {
        Description = description;
        Files = files;
        _isMarked = isMarked;
    }

    /// <summary>What the directory holds, for messages ("an exported model").</summary>
    public string Description { get; }

    /// <summary>The file names this kind of directory may hold.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>An exported (or promoted) model: <c>model.onnx</c> with OrtAgent metadata, its vocabulary, card, metrics and chart.</summary>
    public static DirectoryLayout ExportedModel { get; } = new("an exported OrtAgent model",
        [ModelContract.ModelFile, ModelContract.ExplainModelFile, ModelContract.VocabularyFile, "README.md", "metrics.jsonl", "training_curve.png"],
        HasOrtAgentMetadata);

    /// <summary>
    /// A base model in OrtAgent's own store (<c>&lt;models root&gt;/base/NAME</c>). Unmarked: the store re-extracts a copy
    /// whose descriptor is missing, and the directory belongs to OrtAgent by where it is.
    /// </summary>
    public static DirectoryLayout StoredBaseModel { get; } = new("a pulled base model",
        [ModelContract.ModelFile, ModelContract.VocabularyFile, BaseModelDescriptor.FileName], _ => true);

    /// <summary>A training checkpoint (<c>artifacts/NAME/checkpoint</c>), marked by its <c>properties.json</c>.</summary>
    public static DirectoryLayout Checkpoint { get; } = new("a training checkpoint",
        [TrainingArtifacts.ModelCheckpointFile, TrainingArtifacts.OptimizerCheckpointFile, TrainingArtifacts.TrainerStateFile, TrainingArtifacts.PropertiesFile],
        d => File.Exists(Path.Combine(d, TrainingArtifacts.PropertiesFile)));

    /// <summary>A LoRA adapter written by <see cref="Adapters.PeftAdapter.Write"/>, marked by its <c>adapter_config.json</c>.</summary>
    public static DirectoryLayout Adapter { get; } = new("a LoRA adapter",
        [Adapters.PeftAdapter.WeightsFile, Adapters.PeftAdapter.ConfigFile], d => File.Exists(Path.Combine(d, Adapters.PeftAdapter.ConfigFile)));

    /// <summary>What a directory holding <paramref name="files"/> is, for messages: the first kind that may hold them all.</summary>
    internal static string Describe(IReadOnlyCollection<string> files) =>
        new[] { ExportedModel, Checkpoint, Adapter, StoredBaseModel }.FirstOrDefault(l => files.All(f => l.Files.Contains(f, StringComparer.Ordinal)))?.Description
            ?? "another kind of OrtAgent directory";

    /// <summary>True when <paramref name="directory"/> carries this kind's mark.</summary>
    internal bool IsMarked(string directory) => _isMarked(directory);

    private static bool HasOrtAgentMetadata(string directory)
    {
        var path = Path.Combine(directory, ModelContract.ModelFile);
        if (!DestinationGuard.HasBytes(path)) return false;
        try
        {
            // The metadata alone: a model of any size is asked who wrote it without its graph and weights being read.
            return OnnxModel.ReadMetadata(path).Keys.Any(k => k.StartsWith("ortagent.", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException or FormatException)
        {
            // A model.onnx that cannot be read proves nothing about who wrote it.
            return false;
        }
    }
}
