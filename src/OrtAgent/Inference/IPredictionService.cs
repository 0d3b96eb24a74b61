using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>Classifies texts with an exported model: a few given directly, or a whole file streamed to another file.</summary>
public interface IPredictionService
{
    /// <summary>
    /// Loads the model, classifies <paramref name="texts"/> in order, a batch (<see cref="InferenceModelOptions.BatchSize"/>)
    /// at a time, handing each batch's predictions to <paramref name="classified"/> as soon as they are made (so a stop
    /// loses at most the batch in progress), and releases the model; says how many were cut at its maximum length.
    /// Every text is checked before the first batch runs.
    /// </summary>
    /// <exception cref="ModelLoadException">The model directory cannot be served.</exception>
    /// <exception cref="DeviceUnavailableException">The device asked for cannot be used.</exception>
    /// <exception cref="UserInputException"><paramref name="top"/> is more than the model's labels.</exception>
    /// <param name="model">The model and how to run it.</param>
    /// <param name="texts">The texts, in order.</param>
    /// <param name="top">With <c>--top K</c>, K, checked against the model's labels; null otherwise.</param>
    /// <param name="classified">Takes each batch's predictions, in the texts' order.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    CutTexts Predict(InferenceModelOptions model, IReadOnlyList<string> texts, int? top, Action<IReadOnlyList<Prediction>> classified,
        CancellationToken cancellationToken);

    /// <summary>
    /// Streams the texts of <see cref="FilePredictionRequest.Input"/> through the model in batches and writes one row per
    /// text to <see cref="FilePredictionRequest.Output"/> (CSV or JSON Lines by its extension). The output appears only
    /// once complete: it is written under a temporary name and renamed; on any failure nothing is left behind.
    /// </summary>
    /// <exception cref="UserInputException">
    /// A bad input or output path, an empty input, a bad row (named by line), or a <see cref="FilePredictionRequest.Top"/>
    /// above the model's labels.
    /// </exception>
    /// <exception cref="ModelLoadException">The model directory cannot be served.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the output is not written.</exception>
    Task<FilePredictionResult> PredictFileAsync(InferenceModelOptions model, FilePredictionRequest request, CancellationToken cancellationToken);
}
