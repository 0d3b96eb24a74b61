using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>An exported model whose weights start a new run (<c>--init-from</c>), for scheduled retraining.</summary>
public sealed class InitialModel
{
    private readonly Dictionary<string, TensorData> _weights;

    private InitialModel(ClassifierModelInfo info, Dictionary<string, TensorData> weights, string directory)
    {
        Info = info;
        _weights = weights;
        Directory = directory;
    }

    public ClassifierModelInfo Info { get; }

    public string Directory { get; }

    /// <exception cref="UserInputException">The directory holds no fp32 OrtAgent export.</exception>
    public static InitialModel Open(string directory)
    {
        var path = Path.Combine(directory, ModelContract.ModelFile);
        if (!File.Exists(path)) throw new UserInputException($"--init-from {directory}: no {ModelContract.ModelFile} there");
        OnnxModel model;
        try
        {
            model = OnnxModel.Load(path);
        }
        catch (InvalidDataException ex)
        {
            throw new UserInputException($"--init-from {directory}: {ex.Message}", ex);
        }
        ClassifierModelInfo info;
        try
        {
            info = ModelContract.ReadInfo(directory, model.Metadata);
        }
        catch (ModelLoadException ex)
        {
            throw new UserInputException($"--init-from {ex.Message}", ex);
        }
        if (model.Graph.Initializers.Any(v => v.Name.EndsWith("_int8", StringComparison.Ordinal)))
            throw new UserInputException($"--init-from {directory}: the model is int8-quantized; start from the fp32 export");
        return new InitialModel(info, model.Graph.Initializers.ToDictionary(v => v.Name, v => v.Initializer!), directory);
    }

    /// <summary>
    /// Overwrites the initial checkpoint of freshly generated <paramref name="artifacts"/> with this model's weights,
    /// matched by name and shape. Every trainable parameter must be found, or the run would silently start half fresh.
    /// </summary>
    public void ApplyTo(TrainingArtifacts artifacts)
    {
        var checkpoint = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
        var replaced = new List<KeyValuePair<string, TensorData>>();
        foreach (var (name, data) in checkpoint.Tensors)
        {
            if (_weights.TryGetValue(name, out var trained) && trained.Dims.SequenceEqual(data.Dims)) replaced.Add(new(name, trained));
            else if (artifacts.Properties.TrainableParameters.Contains(name))
                throw new UserInputException($"--init-from {Directory}: the model has no weight '{name}' shaped [{string.Join(",", data.Dims)}]; was it trained from the same base model?");
            else replaced.Add(new(name, data));
        }
        var optimizer = SafeTensorsReader.Read(artifacts.OptimizerCheckpointPath).Tensors;
        artifacts.SaveCheckpoint(replaced, optimizer, artifacts.Properties, new TrainerState { Seed = artifacts.Properties.Seed }.ToJson());
    }
}
