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
/// </summary>
internal sealed class ServiceToolModel(string id, ServedModels models) : IToolModel
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

    public async Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var served = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => served.Classifier.PredictBatch(texts, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>Takes the model, waiting without a thread for its load (or a slot for it).</summary>
    /// <exception cref="McpException">The service's refusal: the model deleted, not loadable now, or the service stopping.</exception>
    public async Task<ServedClassifier> AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await models.AcquireAsync(Name, cancellationToken: cancellationToken).ConfigureAwait(false)).Served;
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
    public static IReadOnlyList<IToolModel> All(ServedModels models) =>
        [.. models.List().Where(m => !models.IsBase(m.Id)).Select(m => new ServiceToolModel(m.Id, models))];

    /// <summary>The service's refusal (a deleted model, the service stopping) as a tool error.</summary>
    private static McpException ToolError(OpenAIApiException refusal) => new(refusal.Message);
}
