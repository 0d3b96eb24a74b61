using OrtAgent.Onnx;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// Trained weights a new run starts from (<c>train --init-from</c>'s model or adapter, a distillation student's teacher
/// head), put into its initial checkpoint in place of the built parameters while both are still in memory: a refusal
/// (a weight it lacks) then leaves an earlier run in the artifacts directory as it was. Each source says how its weights
/// fit: a model or adapter must supply every trainable parameter, a teacher's head only the head.
/// </summary>
/// <param name="built">The initial checkpoint's parameters as built, in order.</param>
/// <param name="properties">What the artifacts being built will record (their trainable parameters, their LoRA base).</param>
/// <returns>The parameters to write, each the starting weight or the built one.</returns>
/// <exception cref="UserInputException">The weights do not fit the run being built.</exception>
internal delegate IReadOnlyList<KeyValuePair<string, TensorData>> StartingWeights(IReadOnlyList<KeyValuePair<string, TensorData>> built, TrainingProperties properties);
