using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using OrtAgent.Explanations;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Serving;

/// <summary>
/// <c>POST /explain</c> and <c>GET /info</c> over a server's <see cref="IModelChoice"/>, mapped alike by <c>serve</c>
/// (its one model) and <c>serve --fine-tuning</c> (the model a request names), so an app that trains through the API
/// gets the same attributions and description for its fine-tuned models as for a served directory.
/// </summary>
internal sealed class ModelRoutes(ServingOptions options, IModelChoice models, ExplanationQueue explanations, ILogger<ModelRoutes> logger)
{
    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/explain", new RequestDelegate(ExplainAsync)).AllowInferenceKeys();
        routes.MapGetAndHead("/info", InfoAsync).AllowInferenceKeys();
    }

    private async Task ExplainAsync(HttpContext context)
    {
        ExplainRequest request;
        string name;
        try
        {
            request = await ExplainRequestReader.ReadAsync(context.Request, options, context.RequestAborted);
            name = models.Choose(request.Model);
        }
        catch (ApiErrorException ex)
        {
            await ApiErrorBody.WriteAsync(context, ex.StatusCode, ex.ErrorType, ex.Message);
            return;
        }
        // Seconds of CPU-bound ONNX Runtime work per text, one request at a time, in the queue MCP's explain_text shares:
        // beyond a short queue, waiting clients only hold connections. The name is checked before the queue, so that a
        // full queue does not hide its 404 or 400.
        IReadOnlyList<TextExplanation>? explained;
        try
        {
            explained = await explanations.TryExplainAsync(new ChosenModel(models, name),
                classifier =>
                {
                    // The model answering decides (an uncased one drops a lone accent), as /predict asks it.
                    PredictRequestReader.RequireTokens(request.Texts, request.IsBatch, text => NothingToClassify.Describe(text, classifier.Encoder));
                    return classifier.ExplainBatch(request.Texts, request.Options, context.RequestAborted);
                }, context.RequestAborted);
        }
        catch (ApiErrorException ex)
        {
            await ApiErrorBody.WriteAsync(context, ex.StatusCode, ex.ErrorType, ex.Message);
            return;
        }
        catch (InvalidOptionException ex) when (ex.Option == InvalidOptionException.Name<ExplainOptions>(nameof(ExplainOptions.Label)))
        {
            // The label against the labels of the model answering (the reader has checked the other options).
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "validation", $"\"label\" {InvalidOptionException.Display(ex.Value)}: {ex.Problem}");
            return;
        }
        catch (ArgumentException ex) when (ex is not ArgumentOutOfRangeException)
        {
            // Explain's only argument check is the label against the labels of the model answering: its option errors
            // are InvalidOptionException (the reader has checked steps first), so an ArgumentOutOfRangeException here
            // would be the server's fault, never the label's, and stays a 500.
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "validation", $"\"label\": {ex.Message.Split(" (Parameter")[0]}");
            return;
        }
        catch (ModelLoadException ex)
        {
            // The request is valid, but the model cannot be explained as it is on the server: a conflict with the server's
            // state (409, like deleting a model in use), never a 5xx that clients would retry. Either it was exported
            // without explain.onnx, or it was replaced on disk since it was loaded and is still served (one deleted is
            // refused as not served, by the queue), which says how to load it again (on serve, POST /admin/reload).
            var problem = models.DescribeProblem(name, ex);
            logger.LogWarning("The model {Model} cannot be explained: {Problem}", name, problem.ForLog);
            var (type, message) = ex is ModelReplacedException
                ? ("model_replaced", $"the model '{name}' cannot be explained now: {problem.ForClients}")
                : ("no_explain_graph", $"explanations of the model '{name}' are not available: {problem.ForClients}");
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status409Conflict, type, message);
            return;
        }
        if (explained is null)
        {
            context.Response.Headers.RetryAfter = "1";
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status429TooManyRequests, "too_many_explanations", explanations.BusyMessage);
            return;
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Inference.PredictionJson.Options))
        {
            if (request.IsBatch) writer.WriteStartArray();
            foreach (var explanation in explained) ExplanationJson.Write(writer, explanation);
            if (request.IsBatch) writer.WriteEndArray();
        }
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary><c>GET /info</c>, or <c>GET /info?model=NAME</c> where the server serves several; any other query parameter is a 400 naming it.</summary>
    private async Task InfoAsync(HttpContext context)
    {
        InfoBody body;
        try
        {
            // A misspelt ?modle=NAME was ignored, and the default model described as though it were the one asked for.
            if (context.Request.Query.Keys.FirstOrDefault(key => !key.Equals("model", StringComparison.OrdinalIgnoreCase)) is { } unknown)
                throw PredictRequestReader.Invalid($"unrecognized query parameter {PrintableText.Quote(unknown)}; /info takes only ?model=NAME");
            var named = context.Request.Query["model"];
            if (named.Count > 1)
                throw new ApiErrorException(StatusCodes.Status400BadRequest, "validation", $"the query names {named.Count} models; /info describes one: ?model=NAME");
            string name = models.Choose(named.Count == 1 ? named[0] : null);
            body = InfoBody.Of(name, models.Info(name), options, models.Serving);
        }
        catch (ApiErrorException ex)
        {
            await ApiErrorBody.WriteAsync(context, ex.StatusCode, ex.ErrorType, ex.Message);
            return;
        }
        await context.Response.WriteAsJsonAsync(body, SnakeCase, context.RequestAborted);
    }

    /// <summary>What <c>/info</c> answers: the model, then the server's limits (and serve's batching and reloads).</summary>
    private sealed record InfoBody(
        // The model's served name, as "model" in /predict takes it: the full path would tell any client the server's
        // directory layout (its user name, its mounts), which nothing a client does needs.
        string Model,
        IReadOnlyList<string> Labels,
        int MaxLength,
        // Only where the graph's inputs fix a length shorter than the record, which texts are then cut to instead.
        int? RecordedMaxLength,
        bool LowerCase,
        string BaseModel,
        string Problem,
        IReadOnlyDictionary<string, double> Metrics,
        string Weights,
        int? MaxBatch,
        int? MaxWaitMs,
        int MaxInputsPerRequest,
        int MaxCharsPerInput,
        int? Reloads)
    {
        public static InfoBody Of(string name, ClassifierModelInfo info, ServingOptions options, ServeInfo? serving) => new(
            name, info.Labels, info.MaxLength, info.RecordedMaxLength, info.LowerCase, info.BaseModel, info.Problem, info.Metrics,
            // Exports before 2026-12-04 do not say; "fp32" for them would be a guess, and wrong for their int8 ones.
            info.Weights is { } weights ? ModelContract.NameOf(weights) : "unrecorded",
            serving?.MaxBatch, serving?.MaxWaitMs, options.MaxInputsPerRequest, options.MaxCharsPerInput, serving?.Reloads);
    }

    /// <summary>The model a request chose by name, as the explanation queue takes it.</summary>
    private sealed class ChosenModel(IModelChoice models, string name) : IExplainedModel
    {
        public Task<ServedClassifier> AcquireAsync(CancellationToken cancellationToken) => models.AcquireAsync(name, cancellationToken);

        // Chosen again: a name no longer served (a service's model deleted) is refused as a request naming it now is.
        public void RefuseIfGone() => models.Choose(name);
    }
}
