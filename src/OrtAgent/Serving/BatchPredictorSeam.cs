using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>
/// Where a test steps between a server's batchers and the models they run: <see cref="Wrap"/>, read at each batch (so
/// it may be set once the server is built, before or after its batchers are made), wraps the model the batch runs on,
/// so a test can hold a batch and fill the queue behind it without timing. Unset in use: each batch runs on its model
/// as it is. One per server, registered with the host.
/// </summary>
internal sealed class BatchPredictorSeam
{
    /// <summary>What wraps a batcher's model for a batch; null runs the model itself.</summary>
    public Func<IBatchPredictor, IBatchPredictor>? Wrap { get; set; }

    /// <summary><paramref name="model"/> as a batcher runs it: through <see cref="Wrap"/> when one is set.</summary>
    public IBatchPredictor Around(IBatchPredictor model) => new Seamed(this, model);

    private sealed class Seamed(BatchPredictorSeam seam, IBatchPredictor model) : IBatchPredictor
    {
        public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts) => (seam.Wrap?.Invoke(model) ?? model).PredictBatch(texts);
    }
}
