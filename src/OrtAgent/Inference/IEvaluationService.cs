namespace OrtAgent.Inference;

/// <summary>Scores an exported model on a labelled file: accuracy, macro-F1, per-class scores and the confusion matrix.</summary>
public interface IEvaluationService
{
    /// <summary>Streams <see cref="EvaluationRequest.Data"/> through the model in batches and compares labels.</summary>
    /// <exception cref="UserInputException">
    /// The file is missing, empty or malformed, or a row's label is not one of the model's (named by file and line).
    /// </exception>
    /// <exception cref="Runtime.ModelLoadException">The model directory cannot be served.</exception>
    Task<EvaluationResult> EvaluateAsync(InferenceModelOptions model, EvaluationRequest request, CancellationToken cancellationToken);
}
