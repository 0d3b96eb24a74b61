using ModelContextProtocol;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// A model of the fine-tuning service (a <c>--model</c> directory or a job's <c>ft:…</c> model) as the MCP tools see
/// it. Every call takes a reference through <see cref="ServedModels.AcquireAsync"/>, as a chat completion does, so a model
/// deleted meanwhile is freed only after the call, and a deleted one becomes a tool error instead of a crash.
/// <see cref="Info"/> loads nothing (<see cref="ServedModels.Info"/>): <c>list_models</c> reads it for every model, and
/// loading each would fill the bounded cache with models nobody asked to run, evicting those in use.
/// Given the service's <see cref="ModelBatchers"/>, as <c>serve --fine-tuning</c> gives them, a <c>classify_text</c>
/// call shares the model's batches with its <c>/predict</c> and chat requests; without, under <c>ortagent mcp</c>, whose
/// one stdio client has few concurrent calls to coalesce, each call runs alone.
/// </summary>
internal sealed class ServiceToolModel(string id, ServedModels models, ModelBatchers? batchers) : IToolModel
{
    public string Name { get; } = id;

    public ClassifierModelInfo Info
    {
        get
        {
            try
            {
                return models.Info(Name);
            }
            catch (OpenAIApiException ex)
            {
                throw ToolError(ex);
            }
        }
    }

    public bool CanExplain => models.CanExplain(Name);

    public async Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        // Held while the texts wait in the model's batcher, as /predict holds it: a delete or an eviction meanwhile
        // frees the model only after this call's batch has run on it.
        var loaded = await AcquireLoadedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return batchers is null
                ? await Task.Run(() => loaded.Served.Classifier.PredictBatch(texts, cancellationToken), cancellationToken).ConfigureAwait(false)
                : await batchers.PredictAsync(loaded, texts, cancellationToken).ConfigureAwait(false);
        }
        catch (PredictionQueueFullException ex)
        {
            throw new McpException($"the server is busy: {ex.Message}");
        }
        finally
        {
            loaded.Served.Release();
        }
    }

    /// <summary>Takes the model, waiting without a thread for its load (or a slot for it).</summary>
    /// <exception cref="McpException">The service's refusal: the model deleted, not loadable now, or the service stopping.</exception>
    public async Task<ServedClassifier> AcquireAsync(CancellationToken cancellationToken) =>
        (await AcquireLoadedAsync(cancellationToken).ConfigureAwait(false)).Served;

    /// <inheritdoc cref="AcquireAsync"/>
    private async Task<LoadedModel> AcquireLoadedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await models.AcquireAsync(Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OpenAIApiException ex)
        {
            throw ToolError(ex);
        }
    }

    /// <exception cref="McpException">The model was deleted.</exception>
    public void RefuseIfGone()
    {
        try
        {
            models.RequireServable(Name);
        }
        catch (OpenAIApiException ex)
        {
            throw ToolError(ex);
        }
    }

    public (string ForLog, string ForClients) Describe(ModelLoadException exception) => models.DescribeProblem(Name, exception);

    /// <summary>The tool-facing view of every servable model of the service: no base encoders, which have no head.</summary>
    public static IReadOnlyList<IToolModel> All(ServedModels models, ModelBatchers? batchers = null) =>
        [.. models.List().Where(m => !models.IsBase(m.Id)).Select(m => new ServiceToolModel(m.Id, models, batchers))];

    /// <summary>The service's refusal (a deleted model, the service stopping) as a tool error.</summary>
    private static McpException ToolError(OpenAIApiException refusal) => new(refusal.Message);
}
