using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>What the batcher runs a coalesced batch on; the server's is <see cref="ClassifierSlot"/>, tests use fakes.</summary>
internal interface IBatchPredictor
{
    /// <summary>Classifies <paramref name="texts"/> in order; called from one thread at a time.</summary>
    IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts);
}
