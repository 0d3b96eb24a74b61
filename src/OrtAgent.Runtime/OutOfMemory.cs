using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Runtime;

/// <summary>
/// Tells a run that failed for want of memory (host or GPU) from other ONNX Runtime failures, which come as one
/// exception type: the remedy (a smaller batch or shorter texts) is the user's to apply, not a bug to report.
/// </summary>
public static class OutOfMemory
{
    // The allocators' words: the arena ("Failed to allocate memory for requested buffer of size …"), CUDA's runtime
    // ("CUDA failure 2: out of memory"), cuBLAS and cuDNN ("…_STATUS_ALLOC_FAILED"), and C++'s std::bad_alloc.
    private static readonly string[] Signs = ["Failed to allocate memory", "out of memory", "ALLOC_FAILED", "bad_alloc"];

    /// <summary>True for .NET's own <see cref="OutOfMemoryException"/> and for an ONNX Runtime failure to allocate.</summary>
    public static bool Is(Exception ex) =>
        ex is OutOfMemoryException
        || (ex is OnnxRuntimeException && Signs.Any(sign => ex.Message.Contains(sign, StringComparison.OrdinalIgnoreCase)));
}
