using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// <c>/v1/models</c> (list, get, delete a fine-tuned model) and <c>/predict</c> with a <c>"model"</c> field choosing
/// among the served models. <c>/predict</c> keeps its text-embeddings-inference shapes, errors included.
/// </summary>
internal sealed class ModelsEndpoints(ServedModels models, ServedModelsChoice modelChoice, FineTuningStore store, FineTuningServiceOptions options,
    ModelBatchers batchers)
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGetAndHead("/v1/models", OpenAIErrorEnvelope.Handle(context =>
            context.Response.WriteAsJsonAsync(new ModelListObject(models.List()), OpenAIJson.Options))).AllowInferenceKeys();
        routes.MapGetAndHead("/v1/models/{id}", OpenAIErrorEnvelope.Handle(context =>
            context.Response.WriteAsJsonAsync(models.Find(Id(context)) ?? throw NotFound(Id(context)), OpenAIJson.Options))).AllowInferenceKeys();
        routes.MapDelete("/v1/models/{id}", OpenAIErrorEnvelope.Handle(DeleteAsync));
        routes.MapPost("/predict", new RequestDelegate(PredictAsync)).AllowInferenceKeys();
    }

    private Task DeleteAsync(HttpContext context)
    {
        string id = Id(context);
        if (models.Find(id) is null) throw NotFound(id);
        var job = models.FineTunedJob(id)
            ?? throw new OpenAIApiException(StatusCodes.Status403Forbidden, $"'{id}' is not a fine-tuned model of this service and cannot be deleted", "model", "model_not_deletable");
        store.WithReferencesHeld(() =>
        {
            if (store.UnfinishedJobs().FirstOrDefault(j => j.Model == id) is { } user)
                throw OpenAIApiException.Conflict($"model '{id}' is the starting point of job {user.Id}, which is {user.Status}; cancel it or wait for it to finish", "model", "model_in_use");
            // The job keeps its fine_tuned_model, as OpenAI's does; its events say what became of it. On a full disk the
            // model's folder goes first, to make room for the record (FullDiskDelete); withdrawn before, so no request loads
            // a folder being removed. Under the references' lock: no job starts from it meanwhile.
            models.DeleteWithdrawn(id, () => FullDiskDelete.Record(
                () => store.UpdateJob(job with { ModelDeleted = true }, "info", $"Fine-tuned model {id} deleted; it is no longer served"),
                () => BestEffortDelete.Directory(store.ModelDirectory(job.Id), recursive: true),
                store.GiveUpRoomReserve, $"model '{id}'", "files", $"DELETE /v1/models/{id}"));
        });
        models.Unload(id);
        batchers.ForgetDeleted(id);
        // The model is no longer listed or served; a folder that cannot go now goes when the store next opens.
        BestEffortDelete.Directory(store.ModelDirectory(job.Id), recursive: true);
        return context.Response.WriteAsJsonAsync(new { id, @object = "model", deleted = true }, OpenAIJson.Options);
    }

    private async Task PredictAsync(HttpContext context)
    {
        PredictRequest request;
        LoadedModel model;
        try
        {
            request = await PredictRequestReader.ReadAsync(context.Request, options.Serving, context.RequestAborted);
            model = await modelChoice.AcquireLoadedAsync(modelChoice.Choose(request.Model), context.RequestAborted);
            try
            {
                PredictRequestReader.RequireTokens(request, model.Served.NothingToClassify);
            }
            catch (ApiErrorException)
            {
                model.Served.Release();
                throw;
            }
        }
        catch (ApiErrorException ex)
        {
            await ApiErrorBody.WriteAsync(context, ex.StatusCode, ex.ErrorType, ex.Message);
            return;
        }
        // The reference is held while the texts wait in the model's batcher: a delete or an eviction meanwhile frees the
        // model (and stops its batcher) only after this request's batch has run, as it did when each request ran alone.
        try
        {
            var predictions = await batchers.PredictAsync(model, request.Texts, context.RequestAborted);
            await ServingEndpoints.WritePredictionsAsync(context, request, predictions, model.Served.Measure);
        }
        catch (PredictionQueueFullException ex)
        {
            await ServingEndpoints.WriteQueueFullAsync(context, ex);
        }
        finally
        {
            model.Served.Release();
        }
    }

    private static string Id(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    private OpenAIApiException NotFound(string id) => models.NotFound(id);
}
