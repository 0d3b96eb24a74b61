using OrtAgent.Onnx;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// A base encoder made for one run (a distillation's student, cut from its teacher), held in memory while the run's
/// graphs are built from it, so that building changes nothing on disk: an earlier run in the artifacts directory stays
/// as it was, to resume, until the new one has been built and may replace it.
/// </summary>
/// <param name="Model">The encoder's <c>model.onnx</c> (<see cref="OnnxModel.ToBytes"/>), parsed afresh for each graph built from it.</param>
/// <param name="Write">Writes the encoder, with its vocabulary, into the directory it is given, replacing whatever is there.</param>
/// <param name="StartingWeights">Trained parameters the run starts from in place of the built ones of the same name and shape (a teacher's head).</param>
internal sealed record DerivedEncoder(byte[] Model, Action<string> Write, IReadOnlyDictionary<string, TensorData> StartingWeights)
{
    /// <summary><paramref name="parameters"/>, each replaced by its starting weight where one of the same shape is given.</summary>
    public IReadOnlyList<KeyValuePair<string, TensorData>> StartFrom(IEnumerable<KeyValuePair<string, TensorData>> parameters) =>
        parameters.Select(p => StartingWeights.TryGetValue(p.Key, out var trained) && trained.Dims.SequenceEqual(p.Value.Dims)
            ? new KeyValuePair<string, TensorData>(p.Key, trained)
            : p).ToList();
}
