using Microsoft.Extensions.Logging;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Models;

/// <summary>
/// Classifies through each model's own <see cref="PredictionBatcher"/> (<see cref="LoadedModel.Batcher"/>), made here
/// with the service's batch settings, metrics and logger. <c>/predict</c>, chat completions and MCP's
/// <c>classify_text</c> over HTTP all queue there, so concurrent requests for one model share its batches whichever
/// path they came by: chat completions and tool calls ran one ONNX Runtime call each, so twenty chats were twenty runs.
/// </summary>
internal sealed class ModelBatchers(FineTuningServiceOptions options, ServingMetrics metrics, ILogger<PredictionBatcher> logger, StoppingGate gate)
{
    /// <summary>
    /// The predictions for <paramref name="texts"/>, in order, from <paramref name="model"/> once their batch has run.
    /// Call it holding a reference on the model's <see cref="LoadedModel.Served"/>, and keep it until this returns: a
    /// delete or an eviction meanwhile frees the model, and stops its batcher, only after the batch has run.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first; the texts are skipped if not yet run.</exception>
    public Task<IReadOnlyList<Prediction>> PredictAsync(LoadedModel model, IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        model.Batcher(predictor => new PredictionBatcher(predictor, options.Serving.MaxBatch, TimeSpan.FromMilliseconds(options.Serving.MaxWaitMs),
            metrics, logger, model.Id, gate.StoppingToken)).PredictAsync(texts, cancellationToken);
}
