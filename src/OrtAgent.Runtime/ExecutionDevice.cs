namespace OrtAgent.Runtime;

/// <summary>Where ONNX Runtime executes a session.</summary>
public enum ExecutionDevice
{
    /// <summary>ONNX Runtime's default CPU execution provider; available in every build.</summary>
    Cpu,

    /// <summary>
    /// The CUDA execution provider; needs OrtAgent built from source with <c>-p:OrtAgentDevice=cuda</c> (the OrtAgent.Runtime
    /// package and the default build carry ONNX Runtime's CPU package only) and a CUDA 13 driver.
    /// </summary>
    Cuda,
}
