using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Models;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// The service's servable models (its <c>--model</c> directories and its jobs' models) as <c>/predict</c>,
/// <c>/explain</c> and <c>/info</c> choose them by <c>model</c>, the one servable model when a request names none. The
/// cache's refusals, in OpenAI's words for the <c>/v1</c> routes, are told in serve's body these routes answer with.
/// </summary>
internal sealed class ServedModelsChoice(ServedModels models, FineTuningServiceOptions options) : IModelChoice
{
    public string Choose(string? model)
    {
        IModelChoice.RefuseBlank(model);
        if (model is not null)
        {
            // Checked here, before /explain queues: a name returned unchecked was refused only once it had a queue
            // place, so with the queue full an unknown model or a base encoder was a 429 rather than its 404 or 400.
            try
            {
                models.RequireServable(model);
                return model;
            }
            catch (OpenAIApiException ex)
            {
                throw InServesBody(ex);
            }
        }
        var servable = models.List().Where(m => !models.IsBase(m.Id)).Select(m => m.Id).ToList();
        return servable.Count == 1 ? servable[0]
            : throw new ApiErrorException(StatusCodes.Status400BadRequest, "validation",
                servable.Count == 0 ? "no model is served yet: fine-tune one, or start the service with --model" : $"name the model with \"model\": one of {string.Join(", ", servable)}");
    }

    public ClassifierModelInfo Info(string name)
    {
        try
        {
            return models.Info(name);
        }
        catch (OpenAIApiException ex)
        {
            throw InServesBody(ex);
        }
    }

    public async Task<ServedClassifier> AcquireAsync(string name, CancellationToken cancellationToken) =>
        (await AcquireLoadedAsync(name, cancellationToken).ConfigureAwait(false)).Served;

    /// <summary><see cref="AcquireAsync"/>, answering the whole model: its batcher with its classifier.</summary>
    /// <exception cref="ApiErrorException">As <see cref="AcquireAsync"/>.</exception>
    public async Task<LoadedModel> AcquireLoadedAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await models.AcquireAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OpenAIApiException ex)
        {
            throw InServesBody(ex);
        }
    }

    public (string ForLog, string ForClients) DescribeProblem(string name, ModelLoadException exception) => models.DescribeProblem(name, exception);

    // Each model's classifications are micro-batched as serve's are (ModelBatchers); the service never reloads a model.
    public ServeInfo? Serving => new(options.Serving.MaxBatch, options.Serving.MaxWaitMs, Reloads: null);

    private static ApiErrorException InServesBody(OpenAIApiException refusal) => new(refusal.StatusCode,
        refusal.StatusCode switch { StatusCodes.Status404NotFound => "not_found", >= 500 => "unhealthy", _ => "validation" }, refusal.Message);
}
