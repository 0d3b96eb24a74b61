using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff;

/// <summary>
/// Builds the backward nodes of one forward node: returns one entry per forward input, the gradient of the loss
/// with respect to that input, or null where none is needed (<see cref="GradientContext.IsGradientRequired"/>)
/// or the input is not differentiable.
/// </summary>
public delegate Value?[] GradientRule(GradientContext c);
