using ModelContextProtocol;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

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

    public Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        UseAsync(classifier => Task.Run(() => classifier.PredictBatch(texts, cancellationToken), cancellationToken), cancellationToken);

    // Taken and let go at once: loaded, the model stays cached for the explanation's turn, yet evictable and deletable.
    public Task LoadAsync(CancellationToken cancellationToken) => UseAsync(_ => Task.FromResult(true), cancellationToken);

    public async Task<TextExplanation> ExplainAsync(string text, ExplainOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await UseAsync(classifier => Task.FromResult(classifier.Explain(text, options, cancellationToken)), cancellationToken).ConfigureAwait(false);
        }
        catch (ModelReplacedException) when (models.Find(Name) is null)
        {
            // Deleted while it was explained (a delete removes its files): told as a call after the delete is.
            throw ToolError(models.NotFound(Name));
        }
    }

    public (string ForLog, string ForClients) Describe(ModelLoadException exception) => models.DescribeProblem(Name, exception);

    /// <summary>The tool-facing view of every servable model of the service: no base encoders, which have no head.</summary>
    public static IReadOnlyList<IToolModel> All(ServedModels models) =>
        [.. models.List().Where(m => !models.IsBase(m.Id)).Select(m => new ServiceToolModel(m.Id, models))];

    /// <summary>Takes the model, waiting without a thread for its load (or a slot for it), and runs <paramref name="work"/> on it.</summary>
    private async Task<T> UseAsync<T>(Func<TextClassifier, Task<T>> work, CancellationToken cancellationToken)
    {
        LoadedModel loaded;
        try
        {
            loaded = await models.AcquireAsync(Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OpenAIApiException ex)
        {
            throw ToolError(ex);
        }
        try
        {
            return await work(loaded.Served.Classifier).ConfigureAwait(false);
        }
        finally
        {
            loaded.Served.Release();
        }
    }

    /// <summary>The service's refusal (a deleted model, the service stopping) as a tool error.</summary>
    private static McpException ToolError(OpenAIApiException refusal) => new(refusal.Message);
}
