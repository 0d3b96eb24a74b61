using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Runtime;

/// <summary>
/// The dimensions a graph's <c>input_ids</c> fixes: exports for fixed-shape runtimes declare numbers where the batch and
/// the sequence length go, and such a graph refuses every other. Each is 0 where the graph takes any.
/// </summary>
internal readonly record struct FixedInputShape(int BatchSize, int SequenceLength)
{
    /// <summary>The fixed dimensions of <paramref name="session"/>'s <c>input_ids</c>, which it must have.</summary>
    public static FixedInputShape Of(InferenceSession session) =>
        // ONNX Runtime gives a named or unknown dimension as -1.
        session.InputMetadata[ModelContract.InputIds].Dimensions is [var batch, var length]
            ? new FixedInputShape(Math.Max(batch, 0), Math.Max(length, 0))
            : default;
}
