using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Data;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// The sentence embeddings of a trained encoder, computed by the very graph the exporter writes (encoder, mean pooling
/// and, for contrastive artifacts, L2 normalisation), read before the head. The head's fit therefore sees exactly
/// what the exported model feeds it.
/// </summary>
/// <remarks>Owns an <see cref="InferenceSession"/>; dispose it.</remarks>
public sealed class SentenceEmbedder : IDisposable
{
    /// <summary>The extra output holding the pooled (normalised) vectors <c>[batch, hidden]</c>.</summary>
    public const string EmbeddingsOutput = "embeddings";

    private readonly InferenceSession _session;
    private readonly bool _withTokenTypeIds;

    private SentenceEmbedder(InferenceSession session, int dimensions)
    {
        _session = session;
        Dimensions = dimensions;
        _withTokenTypeIds = session.InputMetadata.ContainsKey(ModelContract.TokenTypeIds);
    }

    /// <summary>Length of every embedding.</summary>
    public int Dimensions { get; }

    /// <summary>Builds the embedding graph of <paramref name="artifacts"/> with <paramref name="parameters"/> (trainable and frozen).</summary>
    public static SentenceEmbedder Create(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, TensorData>> parameters, OrtSessionSettings settings)
    {
        var properties = artifacts.Properties;
        // The head is built but not read: zeros stand in for weights that do not exist yet.
        IReadOnlyList<KeyValuePair<string, TensorData>> withHead =
        [
            .. parameters,
            new(ClassifierHead.WeightName, TensorData.Zeros(ElementType.Float, [properties.HiddenSize, properties.NumLabels])),
            new(ClassifierHead.BiasName, TensorData.Zeros(ElementType.Float, [properties.NumLabels])),
        ];
        var model = ModelExporter.BuildInferenceModel(artifacts, withHead.DistinctBy(p => p.Key).ToList(), out var head);
        GraphOutputs.Expose(model.Graph, head.Pooled, EmbeddingsOutput, ElementType.Float, [Dim.Symbolic("batch"), Dim.Known(properties.HiddenSize)]);
        using var options = settings.CreateSessionOptions();
        return new SentenceEmbedder(new InferenceSession(model.ToBytes(), options), properties.HiddenSize);
    }

    /// <summary>One embedding per example of <paramref name="data"/>, in the data set's order.</summary>
    public float[][] Embed(TokenizedDataset data, int padId, int batchSize = 64, CancellationToken cancellationToken = default)
    {
        var result = new float[data.Count][];
        var batcher = LengthBucketBatcher.Create(new LengthBucketBatcherOptions { BatchSize = batchSize, Shuffle = false });
        foreach (var indices in batcher.CreateBatches(data.Lengths()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = EncodedBatch.FromTokenIds(indices.Length, row => data.Tokens(indices[row]), padId);
            var names = new List<string> { ModelContract.InputIds, ModelContract.AttentionMask };
            var values = new List<OrtValue>
            {
                OrtValue.CreateTensorValueFromMemory(batch.InputIds, batch.Shape),
                OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, batch.Shape),
            };
            if (_withTokenTypeIds)
            {
                names.Add(ModelContract.TokenTypeIds);
                values.Add(OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, batch.Shape));
            }
            try
            {
                using var run = new RunOptions();
                using var outputs = _session.Run(run, names, values, [EmbeddingsOutput]);
                var flat = outputs[0].GetTensorDataAsSpan<float>();
                for (int row = 0; row < indices.Length; row++) result[indices[row]] = flat.Slice(row * Dimensions, Dimensions).ToArray();
            }
            finally
            {
                foreach (var value in values) value.Dispose();
            }
        }
        return result;
    }

    public void Dispose() => _session.Dispose();
}
