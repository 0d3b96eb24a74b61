namespace OrtAgent.Training.Parameters;

/// <summary>A float32 parameter that an optimizer updates: its graph name and shape.</summary>
/// <param name="Name">The parameter's initializer name in the training graph (as in the base model's ONNX file).</param>
/// <param name="Shape">Its dimensions, outermost first; empty for a scalar.</param>
public sealed record TrainableParameter(string Name, IReadOnlyList<long> Shape)
{
    /// <summary>The product of <see cref="Shape"/>: how many floats the parameter holds (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}
