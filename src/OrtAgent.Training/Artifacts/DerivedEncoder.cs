using System.Globalization;
using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// A base encoder made for one run (a distillation's student, cut from its teacher), held in memory while the run's
/// graphs are built from it, so that building changes nothing on disk: an earlier run in the artifacts directory stays
/// as it was, to resume, until the new one has been built and may replace it.
/// </summary>
/// <param name="Model">The encoder's <c>model.onnx</c> (<see cref="OnnxModel.ToBytes"/>), parsed afresh for each graph built from it, and written as it is.</param>
/// <param name="Write">Writes the encoder, with its vocabulary, into the directory it is given, replacing whatever is there.</param>
/// <remarks>Trained weights the run starts from (a student's teacher head) are not the encoder's: they go to
/// <see cref="TrainingArtifacts"/> as <see cref="StartingWeights"/>, as <c>train --init-from</c>'s do.</remarks>
internal sealed record DerivedEncoder(byte[] Model, Action<string> Write)
{
    /// <summary>
    /// Holds <paramref name="model"/> as the bytes the run's graphs are built from, and <paramref name="write"/> to put
    /// them on disk (given those bytes and the directory).
    /// </summary>
    /// <param name="model">The encoder, built for the run.</param>
    /// <param name="what">The encoder in the user's terms, for the refusal (<c>the student of models/teacher</c>).</param>
    /// <param name="remedy">What the user can do about an encoder too large to hold (null: nothing to suggest).</param>
    /// <param name="write">Writes the encoder's bytes as held, with its vocabulary, into the directory given.</param>
    /// <exception cref="UserInputException">
    /// The encoder's weights exceed <see cref="ModelSaveOptions.InlineLimitBytes"/>: one protobuf message cannot hold
    /// them, so it cannot be held as one <c>model.onnx</c> in memory (serializing it would fail inside protobuf).
    /// </exception>
    public static DerivedEncoder Hold(OnnxModel model, string what, string? remedy, Action<byte[], string> write) =>
        Hold(model, what, remedy, write, ModelSaveOptions.InlineLimitBytes);

    /// <summary>As the public overload, with the limit given: a test's is small enough to reach.</summary>
    internal static DerivedEncoder Hold(OnnxModel model, string what, string? remedy, Action<byte[], string> write, long limitBytes)
    {
        long bytes = model.Graph.Initializers.Sum(v => (long)v.Initializer!.Bytes.Length);
        if (bytes > limitBytes)
            throw new UserInputException(string.Create(CultureInfo.InvariantCulture,
                $"{what} holds {bytes / 1e9:F2} GB of weights, more than the {limitBytes / 1e9:F1} GB a run builds its graphs from in memory") +
                (remedy is null ? "" : "; " + remedy));
        var encoder = model.ToBytes();
        return new DerivedEncoder(encoder, to => write(encoder, to));
    }
}
