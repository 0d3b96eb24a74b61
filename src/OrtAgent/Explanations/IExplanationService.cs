using OrtAgent.Inference;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Explanations;

/// <summary>Explains classifications with an exported model's <c>explain.onnx</c> (<c>ortagent explain</c>).</summary>
public interface IExplanationService
{
    /// <summary>
    /// Loads the model, explains <paramref name="texts"/> in order, handing each explanation to <paramref name="explained"/>
    /// as soon as it is made (a text takes seconds: a caller that waited for all lost every one to a stop), and releases
    /// the model. Every text and option is checked before the first is explained.
    /// </summary>
    /// <returns>How many of the texts were cut at the model's maximum length.</returns>
    /// <exception cref="UserInputException">No texts, an unknown label or an option out of range.</exception>
    /// <exception cref="Runtime.ModelLoadException">The model cannot be served, or has no <c>explain.onnx</c> (the message says how to add it).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the texts explained before it were handed over.</exception>
    CutTexts Explain(InferenceModelOptions model, IReadOnlyList<string> texts, ExplainOptions options, Action<TextExplanation> explained,
        CancellationToken cancellationToken);
}
