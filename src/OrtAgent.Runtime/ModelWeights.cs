namespace OrtAgent.Runtime;

/// <summary>How a classifier's weights are stored, as its export records it (<see cref="ModelContract.WeightsKey"/>).</summary>
public enum ModelWeights
{
    /// <summary>32-bit floats: the default export, fast on every execution provider.</summary>
    Float32,

    /// <summary>
    /// int8 (<c>ExportOptions.QuantizeInt8</c> in OrtAgent.Training): quantized MatMuls verified on ONNX Runtime's CPU provider
    /// only (exports before 2026-12-06 ran them on the CPU even on a GPU, copying activations to the host and back);
    /// serve a <see cref="Float32"/> export on a GPU.
    /// </summary>
    Int8,
}
