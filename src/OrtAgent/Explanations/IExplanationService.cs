using OrtAgent.Inference;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Explanations;

/// <summary>Explains classifications with an exported model's <c>explain.onnx</c> (<c>ortagent explain</c>).</summary>
public interface IExplanationService
{
    /// <summary>Loads the model, explains <paramref name="texts"/> in order and releases the model.</summary>
    /// <exception cref="UserInputException">No texts, an unknown label or an option out of range.</exception>
    /// <exception cref="Runtime.ModelLoadException">The model cannot be served, or has no <c>explain.onnx</c> (the message says how to add it).</exception>
    IReadOnlyList<TextExplanation> Explain(InferenceModelOptions model, IReadOnlyList<string> texts, ExplainOptions options, CancellationToken cancellationToken);
}
