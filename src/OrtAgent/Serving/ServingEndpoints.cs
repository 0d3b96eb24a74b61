using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using System.Buffers;
using OrtAgent.Explanations;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Serving;

/// <summary>
/// The HTTP surface: <c>POST /predict</c>, <c>POST /explain</c>, <c>GET /info</c>, <c>GET /health</c>, <c>GET /metrics</c> and
/// <c>POST /admin/reload</c>. Handlers are thin; batching, model swapping and metrics live in their own types.
/// </summary>
internal sealed class ServingEndpoints
{
    public const string HealthPath = "/health";

    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly ServingOptions _options;
    private readonly ClassifierSlot _slot;
    private readonly PredictionBatcher _batcher;
    private readonly ServingMetrics _metrics;
    private readonly ExplanationQueue _explanations;
    private readonly ILogger _logger;

    // The slot's directory is fixed for the server's life (a reload reads it again), and so is its name.
    private readonly string _modelName;

    // The explanation queue is the server's one (InferenceServer.CreateBuilder), so /explain and explain_text share its places.
    public ServingEndpoints(ServingOptions options, ClassifierSlot slot, PredictionBatcher batcher, ServingMetrics metrics,
        ExplanationQueue explanations, ILogger<ServingEndpoints> logger)
    {
        _options = options;
        _slot = slot;
        _batcher = batcher;
        _metrics = metrics;
        _explanations = explanations;
        _logger = logger;
        _modelName = ModelName(slot.Directory);
        WarnOfInt8OnGpu(slot.Info);
    }

    private void WarnOfInt8OnGpu(ClassifierModelInfo info)
    {
        if (Inference.Int8OnGpu.Warning(_slot.Directory, info, _options.Classifier.Session.Device) is { } warning)
            _logger.LogWarning("{Warning}", warning);
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/predict", new RequestDelegate(PredictAsync));
        routes.MapPost("/explain", new RequestDelegate(ExplainAsync));
        routes.MapGet("/info", new RequestDelegate(InfoAsync));
        MapOperations(routes, _metrics);
        routes.MapPost("/admin/reload", new RequestDelegate(ReloadAsync));
    }

    /// <summary><c>/health</c> and <c>/metrics</c>, which every kind of server answers alike.</summary>
    internal static void MapOperations(IEndpointRouteBuilder routes, ServingMetrics metrics)
    {
        // HEAD too: load balancers and `curl -I` probe with it.
        routes.MapMethods(HealthPath, ["GET", "HEAD"], new RequestDelegate(HealthAsync));
        routes.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
    }

    private async Task PredictAsync(HttpContext context)
    {
        if (await ReadOrAnswerErrorAsync(context, PredictRequestReader.ReadAsync) is not { } request) return;
        if (await AnsweredOtherModelAsync(context, request.Model)) return;
        IReadOnlyList<Prediction> predictions;
        try
        {
            predictions = await _batcher.PredictAsync(request.Texts, context.RequestAborted);
        }
        catch (ChannelClosedException)
        {
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "unhealthy", "the server is shutting down");
            return;
        }
        await WritePredictionsAsync(context, request, predictions);
    }

    /// <summary>The header naming the inputs cut at the model's maximum length, by their places in the request.</summary>
    public const string TruncatedInputsHeader = "X-Truncated-Inputs";

    /// <summary>
    /// Answers a <c>/predict</c> (on either server) with <paramref name="predictions"/>. The body keeps the
    /// text-embeddings-inference shape its clients parse; which inputs were cut at the model's maximum length goes in
    /// <see cref="TruncatedInputsHeader"/> (their 0-based places, comma-separated), absent when none was.
    /// </summary>
    internal static async Task WritePredictionsAsync(HttpContext context, PredictRequest request, IReadOnlyList<Prediction> predictions)
    {
        if (request.RawScores && predictions.Any(p => p.Logits is null))
        {
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "validation",
                "raw_scores needs a model with a 'logits' output, and this one has none");
            return;
        }
        var truncated = Enumerable.Range(0, predictions.Count).Where(i => predictions[i].Truncated).ToList();
        if (truncated.Count > 0) context.Response.Headers[TruncatedInputsHeader] = string.Join(',', truncated);
        var answers = predictions.Select(p => ToLabelScores(p, request.RawScores)).ToArray();
        if (request.IsBatch) await context.Response.WriteAsJsonAsync(answers, JsonSerializerOptions.Web, context.RequestAborted);
        else await context.Response.WriteAsJsonAsync(answers[0], JsonSerializerOptions.Web, context.RequestAborted);
    }

    /// <summary>
    /// The name a served model directory answers to, in <c>/predict</c>'s <c>"model"</c> field, <c>/info</c> and the MCP
    /// tools: its folder name, as a person would say "the tickets model".
    /// </summary>
    internal static string ModelName(string directory) => Path.GetFileName(Path.GetFullPath(directory).TrimEnd('/', '\\'));

    /// <summary>Answers 404 when the body names a model this server does not serve; returns whether it did.</summary>
    private async Task<bool> AnsweredOtherModelAsync(HttpContext context, string? model)
    {
        if (model is null || model == _modelName) return false;
        await ApiErrorBody.WriteAsync(context, StatusCodes.Status404NotFound, "not_found",
            $"model '{model}' is not served here; this server serves '{_modelName}'");
        return true;
    }

    private async Task ExplainAsync(HttpContext context)
    {
        if (await ReadOrAnswerErrorAsync(context, ExplainRequestReader.ReadAsync) is not { } request) return;
        if (await AnsweredOtherModelAsync(context, request.Model)) return;
        IReadOnlyList<TextExplanation>? explanations;
        try
        {
            // Seconds of CPU-bound ONNX Runtime work per text, one request at a time: beyond a short queue, waiting
            // clients only hold connections.
            explanations = await _explanations.TryRunAsync(() => _slot.ExplainBatch(request.Texts, request.Options, context.RequestAborted), context.RequestAborted);
        }
        catch (InvalidOptionException ex) when (ex.Option == InvalidOptionException.Name<ExplainOptions>(nameof(ExplainOptions.Label)))
        {
            // The label against the labels of the model serving now (the reader has checked the other options).
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "validation", $"\"label\" {InvalidOptionException.Display(ex.Value)}: {ex.Problem}");
            return;
        }
        catch (ArgumentException ex) when (ex is not ArgumentOutOfRangeException)
        {
            // Explain's only argument check is the label against the labels of the model serving now: its option errors
            // are InvalidOptionException (the reader has checked steps first), so an ArgumentOutOfRangeException here
            // would be the server's fault, never the label's, and stays a 500.
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "validation", $"\"label\": {ex.Message.Split(" (Parameter")[0]}");
            return;
        }
        catch (ModelLoadException ex)
        {
            // The request is valid, but the model being served was exported without explain.onnx: a conflict with the
            // server's state (409, like deleting a model in use), never a 5xx that clients would retry.
            var problem = ModelProblemText.Describe(ex, _slot.Directory, _modelName);
            _logger.LogWarning("The model {Model} cannot be explained: {Problem}", _modelName, problem.ForLog);
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status409Conflict, "no_explain_graph",
                $"explanations of the model '{_modelName}' are not available: {problem.ForClients}");
            return;
        }
        if (explanations is null)
        {
            context.Response.Headers.RetryAfter = "1";
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status429TooManyRequests, "too_many_explanations", _explanations.BusyMessage);
            return;
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Inference.PredictionJson.Options))
        {
            if (request.IsBatch) writer.WriteStartArray();
            foreach (var explanation in explanations) ExplanationJson.Write(writer, explanation);
            if (request.IsBatch) writer.WriteEndArray();
        }
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>Reads and validates a body; a client mistake is answered here with its 4xx error and gives null.</summary>
    private async Task<T?> ReadOrAnswerErrorAsync<T>(HttpContext context, Func<HttpRequest, ServingOptions, CancellationToken, Task<T>> read)
        where T : class
    {
        try
        {
            return await read(context.Request, _options, context.RequestAborted);
        }
        catch (ApiErrorException ex)
        {
            await ApiErrorBody.WriteAsync(context, ex.StatusCode, ex.ErrorType, ex.Message);
            return null;
        }
    }

    /// <summary>Every label with its score, highest first, as text-embeddings-inference answers.</summary>
    private static LabelScore[] ToLabelScores(Prediction prediction, bool rawScores) =>
        (rawScores ? prediction.Logits! : prediction.Probabilities)
            .Select(pair => new LabelScore(pair.Key, pair.Value))
            .OrderByDescending(s => s.Score)
            .ToArray();

    private Task InfoAsync(HttpContext context)
    {
        var info = _slot.Info;
        var body = new
        {
            // The folder's name, as "model" in /predict takes it: the full path would tell any client the server's
            // directory layout (its user name, its mounts), which nothing a client does needs.
            Model = _modelName,
            info.Labels,
            info.MaxLength,
            info.LowerCase,
            info.BaseModel,
            info.Problem,
            info.Metrics,
            // Exports before 2026-12-04 do not say; "fp32" for them would be a guess, and wrong for their int8 ones.
            Weights = info.Weights is { } weights ? ModelContract.NameOf(weights) : "unrecorded",
            _options.MaxBatch,
            _options.MaxWaitMs,
            _options.MaxInputsPerRequest,
            _options.MaxCharsPerInput,
            Reloads = _slot.ReloadCount,
        };
        return context.Response.WriteAsJsonAsync(body, SnakeCase, context.RequestAborted);
    }

    // The slot is filled before the server starts listening, so answering at all means the model is loaded.
    private static Task HealthAsync(HttpContext context) =>
        context.Response.WriteAsJsonAsync(new { status = "ok" }, JsonSerializerOptions.Web, context.RequestAborted);

    private async Task ReloadAsync(HttpContext context)
    {
        // With keys configured the authentication middleware has already checked this caller.
        if (_options.ApiKeys.Count == 0 && !_options.AllowUnauthenticatedReload)
        {
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden",
                "reload is disabled: configure API keys, or allow unauthenticated reload explicitly");
            return;
        }
        ClassifierModelInfo info;
        try
        {
            // Not the request's token: a reload that has begun should finish even if its caller hangs up.
            info = await _slot.ReloadAsync(CancellationToken.None);
        }
        catch (ModelLoadException ex)
        {
            _metrics.Reloads.WithLabels("failed").Inc();
            var problem = ModelProblemText.Describe(ex, _slot.Directory, _modelName);
            _logger.LogWarning("Reload from {Directory} failed; still serving the previous model: {Reason}", _slot.Directory, problem.ForLog);
            // What is on disk is the operator's to fix (a half-copied or wrong model), not a server fault to retry: 409.
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status409Conflict, "model_load",
                $"reload failed, the previous model is still serving: {problem.ForClients}");
            return;
        }
        _metrics.Reloads.WithLabels("succeeded").Inc();
        _logger.LogInformation("Reloaded the model from {Directory}: labels {Labels}", _slot.Directory, string.Join(", ", info.Labels));
        WarnOfInt8OnGpu(info);
        await context.Response.WriteAsJsonAsync(new { Status = "reloaded", info.Labels, Reloads = _slot.ReloadCount }, SnakeCase, context.RequestAborted);
    }
}
