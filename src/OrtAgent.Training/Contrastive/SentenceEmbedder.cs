using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
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
/// <remarks>Owns an <see cref="InferenceSession"/>; dispose it. After <see cref="Dispose"/>, <see cref="Embed"/> throws <see cref="ObjectDisposedException"/>. Not thread-safe.</remarks>
public sealed class SentenceEmbedder : IDisposable
{
    /// <summary>The extra output holding the pooled (normalised) vectors <c>[batch, hidden]</c>.</summary>
    public const string EmbeddingsOutput = "embeddings";

    private readonly InferenceSession _session;
    private bool _disposed;

    private SentenceEmbedder(InferenceSession session, int dimensions)
    {
        _session = session;
        Dimensions = dimensions;
    }

    /// <summary>Length of every embedding.</summary>
    public int Dimensions { get; }

    /// <summary>Builds the embedding graph of <paramref name="artifacts"/> with <paramref name="parameters"/> (trainable and frozen).</summary>
    public static SentenceEmbedder Create(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, TensorData>> parameters, OrtSessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(settings);
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(data);
        var result = new float[data.Count][];
        DatasetInference.Run(_session, data, padId, batchSize, EmbeddingsOutput, Dimensions, (example, row) => result[example] = row.ToArray(),
            cancellationToken);
        return result;
    }

    /// <summary>Releases the session; calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
    }
}
