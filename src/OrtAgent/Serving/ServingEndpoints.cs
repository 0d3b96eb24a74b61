using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>
/// The HTTP surface: <c>POST /predict</c>, <c>POST /explain</c> and <c>GET /info</c> (<see cref="ModelRoutes"/>, which
/// <c>serve --fine-tuning</c> maps too), <c>GET /health</c>, <c>GET /metrics</c> and <c>POST /admin/reload</c>; every GET
/// route takes HEAD. Handlers are thin; batching, model swapping and metrics live in their own types.
/// </summary>
internal sealed class ServingEndpoints
{
    public const string HealthPath = "/health";

    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // The reload's answer, whose warning is there only when there is one.
    private static readonly JsonSerializerOptions ReloadedJson = new(SnakeCase) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly ServingOptions _options;

    // Whether the model had explain.onnx when it was last loaded: CanExplain looks at the directory, which a reload's
    // caller may have changed already, so whether a reload lost /explain is told against this.
    private bool _explainedAtLoad;
    private readonly Lock _explainedAtLoadLock = new();
    private readonly ClassifierSlot _slot;
    private readonly PredictionBatcher _batcher;
    private readonly ServingMetrics _metrics;
    private readonly SlotModelChoice _models;
    private readonly ModelRoutes _modelRoutes;
    private readonly ILogger _logger;

    public ServingEndpoints(ServingOptions options, ClassifierSlot slot, PredictionBatcher batcher, ServingMetrics metrics,
        SlotModelChoice models, ModelRoutes modelRoutes, ILogger<ServingEndpoints> logger)
    {
        _options = options;
        _slot = slot;
        _batcher = batcher;
        _metrics = metrics;
        _models = models;
        _modelRoutes = modelRoutes;
        _logger = logger;
        WarnOfInt8OnGpu(slot.Info);
        _explainedAtLoad = slot.CanExplain;
    }

    private void WarnOfInt8OnGpu(ClassifierModelInfo info)
    {
        if (Inference.Int8OnGpu.Warning(_slot.Directory, info, _options.Classifier.Session.Device) is { } warning)
            _logger.LogWarning("{Warning}", warning);
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/predict", new RequestDelegate(PredictAsync)).AllowInferenceKeys();
        _modelRoutes.Map(routes);
        MapOperations(routes, _metrics);
        routes.MapPost("/admin/reload", new RequestDelegate(ReloadAsync));
    }

    /// <summary><c>/health</c> and <c>/metrics</c>, which every kind of server answers alike.</summary>
    internal static void MapOperations(IEndpointRouteBuilder routes, ServingMetrics metrics)
    {
        routes.MapGetAndHead(HealthPath, HealthAsync).AllowWithoutKey();
        routes.MapGetAndHead("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }).AllowInferenceKeys();
    }

    private async Task PredictAsync(HttpContext context)
    {
        PredictRequest request;
        try
        {
            request = await PredictRequestReader.ReadAsync(context.Request, _options, context.RequestAborted);
            _models.Choose(request.Model);
            PredictRequestReader.RequireTokens(request, _slot.NothingToClassify);
        }
        catch (ApiErrorException ex)
        {
            await ApiErrorBody.WriteAsync(context, ex.StatusCode, ex.ErrorType, ex.Message);
            return;
        }
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
        catch (PredictionQueueFullException ex)
        {
            await WriteQueueFullAsync(context, ex);
            return;
        }
        await WritePredictionsAsync(context, request, predictions, _slot.Measure);
    }

    /// <summary>Answers a <c>/predict</c> (on either server) whose texts found the model's queue full: 429 with <c>Retry-After</c>.</summary>
    public static Task WriteQueueFullAsync(HttpContext context, PredictionQueueFullException full)
    {
        context.Response.Headers.RetryAfter = PredictionQueueFullException.RetryAfterSeconds;
        return ApiErrorBody.WriteAsync(context, StatusCodes.Status429TooManyRequests, "too_many_requests", full.Message);
    }

    /// <summary>The header naming the inputs cut at the model's maximum length, by their places in the request.</summary>
    public const string TruncatedInputsHeader = "X-Truncated-Inputs";

    /// <summary>
    /// Answers a <c>/predict</c> (on either server) with <paramref name="predictions"/>. The body keeps the
    /// text-embeddings-inference shape its clients parse; which inputs were cut at the model's maximum length goes in
    /// <see cref="TruncatedInputsHeader"/> (their 0-based places, comma-separated), absent when none was. A request
    /// with <c>"truncate": false</c> and an input that was cut is refused instead: a 413 as TEI's, naming the input,
    /// its tokens (counted by <paramref name="measure"/>, the model's tokenizer) and the limit.
    /// </summary>
    /// <remarks>
    /// The refusal is judged from the predictions, after the model ran, so that no request is tokenized twice: the
    /// classifier tokenizes inside its batch and says which texts it cut. Only a refused input is counted again, in
    /// full, for its message; a refusal costs its request's share of a batch, an accepted request nothing.
    /// </remarks>
    internal static async Task WritePredictionsAsync(HttpContext context, PredictRequest request, IReadOnlyList<Prediction> predictions,
        Func<string, (int Tokens, int MaxLength)> measure)
    {
        if (request.RawScores && predictions.Any(p => p.Logits is null))
        {
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, "validation",
                "raw_scores needs a model with a 'logits' output, and this one has none");
            return;
        }
        var truncated = Enumerable.Range(0, predictions.Count).Where(i => predictions[i].Truncated).ToList();
        if (!request.Truncate && truncated.Count > 0)
        {
            int first = truncated[0];
            var (tokens, maxLength) = measure(request.Texts[first]);
            string others = truncated.Count > 1 ? $" ({truncated.Count - 1} more input(s) are too long as well)" : "";
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "validation",
                $"{(request.IsBatch ? $"inputs[{first}]" : "\"inputs\"")} must have at most {maxLength} tokens, the model's maximum length; given: {tokens}{others}. "
                + "\"truncate\": false refuses a longer input; send true, or leave it out, to classify its beginning");
            return;
        }
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

    /// <summary>Every label with its score, highest first, as text-embeddings-inference answers.</summary>
    private static LabelScore[] ToLabelScores(Prediction prediction, bool rawScores) =>
        (rawScores ? prediction.Logits! : prediction.Probabilities)
            .Select(pair => new LabelScore(pair.Key, pair.Value))
            .OrderByDescending(s => s.Score)
            .ToArray();

    // The slot is filled before the server starts listening, so answering at all means the model is loaded. A query is
    // ignored here and on /metrics, unlike on every other route: these are read by machines (probes, scrapers), some of
    // which add a cache-busting or filtering parameter, and a 400 would report a healthy server as down.
    private static Task HealthAsync(HttpContext context) =>
        context.Response.WriteAsJsonAsync(new { status = "ok" }, JsonSerializerOptions.Web, context.RequestAborted);

    /// <summary>
    /// A reload reads no field and no query parameter: its body, when it has one, is read as <c>/predict</c>'s is and
    /// must be an empty JSON object. A field was ignored (<c>{"model": "other"}</c> reloaded the served model all the
    /// same), and so was a query (<c>?model=other</c>), where <c>/predict</c> refuses both.
    /// </summary>
    /// <exception cref="ApiErrorException">The URL has a query (400); the body is not JSON (400), of another type (415), or holds a field (400).</exception>
    private async Task RefuseReloadArgumentsAsync(HttpContext context)
    {
        PredictRequestReader.RefuseAnyQuery(context.Request, "it reloads the served model from its directory");
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }) return;
        using var body = await PredictRequestReader.ReadDocumentAsync(context.Request, _options, context.RequestAborted);
        if (body.RootElement.ValueKind != JsonValueKind.Object)
            throw PredictRequestReader.Invalid("the body of /admin/reload, when sent, must be an empty JSON object: {}");
        if (body.RootElement.EnumerateObject().Select(field => field.Name).FirstOrDefault() is { } name)
            throw PredictRequestReader.Invalid($"unrecognized request argument {PrintableText.Quote(name)}; /admin/reload takes none: it reloads the served model from its directory");
    }

    private async Task ReloadAsync(HttpContext context)
    {
        // With keys configured the authentication middleware has already checked this caller.
        if (!_options.RequiresApiKey && !_options.AllowUnauthenticatedReload)
        {
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden",
                "reload is disabled: configure API keys, or allow unauthenticated reload explicitly");
            return;
        }
        try
        {
            await RefuseReloadArgumentsAsync(context);
        }
        catch (ApiErrorException ex)
        {
            await ApiErrorBody.WriteAsync(context, ex.StatusCode, ex.ErrorType, ex.Message);
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
            var problem = ModelProblemText.Describe(ex, _slot.Directory, _models.Name);
            _logger.LogWarning("Reload from {Directory} failed; still serving the previous model: {Reason}", _slot.Directory, problem.ForLog);
            // What is on disk is the operator's to fix (a half-copied or wrong model), not a server fault to retry: 409.
            await ApiErrorBody.WriteAsync(context, StatusCodes.Status409Conflict, "model_load",
                $"reload failed, the previous model is still serving: {problem.ForClients}");
            return;
        }
        _metrics.Reloads.WithLabels("succeeded").Inc();
        _logger.LogInformation("Reloaded the model from {Directory}: labels {Labels}", _slot.Directory, string.Join(", ", info.Labels));
        WarnOfInt8OnGpu(info);
        // A reload that loses explain.onnx succeeds (predictions are what it is for), but /explain then answers 409: said
        // in the answer, which said "reloaded" alone, so the operator who reloaded learns it then rather than a client later.
        bool canExplain = _slot.CanExplain, couldExplain;
        lock (_explainedAtLoadLock) (couldExplain, _explainedAtLoad) = (_explainedAtLoad, canExplain);
        string? warning = couldExplain && !canExplain
            ? "the reloaded model has no explain.onnx: /explain is now unavailable (409 no_explain_graph) until a model with one is reloaded"
            : null;
        if (warning is not null) _logger.LogWarning("Reloaded the model from {Directory} without explain.onnx: /explain is now unavailable", _slot.Directory);
        await context.Response.WriteAsJsonAsync(new { Status = "reloaded", info.Labels, Reloads = _slot.ReloadCount, Explain = canExplain, Warning = warning },
            ReloadedJson, context.RequestAborted);
    }
}
