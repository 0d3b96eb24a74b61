using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// The warning for an int8 export run on CUDA: int8 exports are verified on ONNX Runtime's CPU provider only. Those
/// before 2026-12-06 (<c>DynamicQuantizeMatMul</c>, which has no CUDA kernel) ran their MatMuls on the CPU with copies
/// around each, 8-14x slower than the fp32 export on an H200; whether CUDA runs the current <c>MatMulNBits</c> graph's
/// 8-bit blocks has not been measured.
/// </summary>
internal static class Int8OnGpu
{
    /// <summary>The warning when <paramref name="info"/> records int8 weights and <paramref name="device"/> is CUDA; otherwise null.</summary>
    public static string? Warning(string directory, ClassifierModelInfo info, ExecutionDevice device) =>
        device == ExecutionDevice.Cuda && info.Weights == ModelWeights.Int8
            ? $"{directory} holds int8 weights, verified on ONNX Runtime's CPU provider only (older int8 exports ran their MatMuls on the CPU, " +
              "8-14x slower than fp32 on an H200); on a GPU serve its fp32 export (export without --quantize)"
            : null;
}
