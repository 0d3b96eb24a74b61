using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests;

/// <summary>Builds the feeds a trainer would give the generated graphs, from the checkpoint and a token batch.</summary>
internal static class ArtifactFeeds
{
    public static Dictionary<string, TensorData> Batch(long[,] ids, long[,] mask, TensorData labels, bool tokenTypes = true)
    {
        int b = ids.GetLength(0), s = ids.GetLength(1);
        var feeds = new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.Create<long>([b, s], ids.Cast<long>().ToArray()),
            ["attention_mask"] = TensorData.Create<long>([b, s], mask.Cast<long>().ToArray()),
            ["labels"] = labels,
        };
        if (tokenTypes) feeds["token_type_ids"] = TensorData.Zeros(ElementType.Int64, [b, s]);
        return feeds;
    }

    /// <summary>
    /// Adds every trainable parameter (from <paramref name="parameters"/>) and, for training, zero accumulators, a loss
    /// scale of 1 and a dropout keep-mask drawn from <paramref name="dropoutSeed"/> at the artifacts' ratio.
    /// </summary>
    public static Dictionary<string, TensorData> WithParameters(Dictionary<string, TensorData> batch, TrainingArtifacts artifacts,
        IReadOnlyDictionary<string, TensorData> parameters, bool training, int dropoutSeed = 1)
    {
        var feeds = new Dictionary<string, TensorData>(batch);
        if (training)
        {
            feeds["loss_scale"] = TensorData.Scalar(1f);
            int rows = (int)batch["input_ids"].Dims[0], hidden = artifacts.Properties.HiddenSize;
            feeds["dropout_keep"] = DropoutKeepMask.Create(rows, hidden, artifacts.Properties.DropoutRatio, new Random(dropoutSeed));
        }
        foreach (var name in artifacts.Properties.TrainableParameters)
        {
            feeds[name] = parameters[name];
            if (training) feeds[name + "_grad.accumulated"] = TensorData.Zeros(ElementType.Float, parameters[name].Dims);
        }
        return feeds;
    }

    public static Dictionary<string, TensorData> CheckpointParameters(TrainingArtifacts artifacts) =>
        SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.ToDictionary(t => t.Key, t => t.Value);
}
