using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// The warning for an int8 export run on CUDA: ONNX Runtime has no CUDA kernels for its quantized MatMuls, so they run on
/// the CPU with a copy to and from the GPU around each, and the model is far slower there than its fp32 export.
/// </summary>
internal static class Int8OnGpu
{
    /// <summary>The warning when <paramref name="info"/> records int8 weights and <paramref name="device"/> is CUDA; otherwise null.</summary>
    public static string? Warning(string directory, ClassifierModelInfo info, ExecutionDevice device) =>
        device == ExecutionDevice.Cuda && info.Weights == ModelWeights.Int8
            ? $"{directory} holds int8 weights, whose quantized MatMuls ONNX Runtime runs on the CPU only, with copies to and from " +
              "the GPU around each; on a GPU serve its fp32 export, which ran 8-14x faster at batch 32 on an H200 (export without --quantize)"
            : null;
}
