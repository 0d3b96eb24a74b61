namespace OrtAgent.Runtime;

/// <summary>Where ONNX Runtime executes a session.</summary>
public enum ExecutionDevice
{
    /// <summary>ONNX Runtime's default CPU execution provider; available in every build.</summary>
    Cpu,

    /// <summary>The CUDA execution provider; needs the build made with <c>-p:OrtAgentDevice=cuda</c> and a CUDA 13 driver.</summary>
    Cuda,
}
