using Microsoft.Data.Sqlite;
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
/// <remarks>
/// Each batcher counts its batches into its model's <c>ortagent_batch_size</c> series, which goes when the model is
/// deleted (<see cref="ForgetDeleted"/>), and again when a deleted model's classifier is freed: a request that held the
/// model across the delete may have made its first batcher, and with it the series, after the delete dropped it.
/// </remarks>
internal sealed class ModelBatchers(FineTuningServiceOptions options, ServingMetrics metrics, ILogger<PredictionBatcher> logger, StoppingGate gate,
    ServedModels models, BatchPredictorSeam seam)
{
    /// <summary>
    /// The predictions for <paramref name="texts"/>, in order, from <paramref name="model"/> once their batch has run.
    /// Call it holding a reference on the model's <see cref="LoadedModel.Served"/>, and keep it until this returns: a
    /// delete or an eviction meanwhile frees the model, and stops its batcher, only after the batch has run.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first; the texts are skipped if not yet run.</exception>
    /// <exception cref="PredictionQueueFullException">The model's queue has no room for the texts; nothing was queued.</exception>
    public Task<IReadOnlyList<Prediction>> PredictAsync(LoadedModel model, IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        model.Batcher(predictor => Make(model, predictor)).PredictAsync(texts, cancellationToken);

    /// <summary>Drops deleted model <paramref name="id"/>'s series from <c>/metrics</c>, at once, though its classifier may still answer the requests that held it.</summary>
    public void ForgetDeleted(string id) => metrics.ForgetModel(id);

    // Called once per loaded model, holding a reference on it, so the classifier cannot be freed before the callback is added.
    private PredictionBatcher Make(LoadedModel model, IBatchPredictor predictor)
    {
        // Taken now: the gate is disposed before the models are, as the service stops.
        var stopBegan = gate.StoppingToken;
        var batcher = new PredictionBatcher(seam.Around(predictor), options.Serving.MaxBatch, TimeSpan.FromMilliseconds(options.Serving.MaxWaitMs),
            metrics, logger, model.Id, stopBegan, options.Serving.MaxQueuedTexts);
        // Freed, the model makes no batcher again, so a series dropped now stays dropped. An evicted model still exists
        // and keeps its series; a stopping service's metrics go with it, and its store is not asked.
        model.Served.AfterDispose(() =>
        {
            try
            {
                if (!stopBegan.IsCancellationRequested && models.IsGone(model.Id)) metrics.ForgetModel(model.Id);
            }
            catch (SqliteException)
            {
                // A store that cannot say now leaves the series, as a model's release must go on to stop its batcher.
            }
        });
        return batcher;
    }
}
