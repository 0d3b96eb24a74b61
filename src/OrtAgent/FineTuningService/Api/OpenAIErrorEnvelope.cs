using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrtAgent.Data;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// The one place that writes OpenAI's error envelope, <c>{"error": {"message", "type", "param", "code"}}</c>, and the
/// wrapper every <c>/v1</c> handler runs in, so no handler formats an error itself and none lets a client mistake
/// escape as a 500.
/// </summary>
internal static class OpenAIErrorEnvelope
{
    /// <summary>The header that tells OpenAI's Python and Node libraries whether to retry a refused request.</summary>
    internal const string ShouldRetryHeader = "x-should-retry";

    private sealed record Body(Detail Error);

    private sealed record Detail(string Message, string Type, string? Param, string? Code);

    public static Task WriteAsync(HttpContext context, OpenAIApiException error)
    {
        context.Response.StatusCode = error.StatusCode;
        if (RetryCannotHelp(error.StatusCode)) context.Response.Headers[ShouldRetryHeader] = "false";
        if (error.RetryAfterSeconds is int seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return context.Response.WriteAsJsonAsync(new Body(new Detail(error.Message, error.Type, error.Param, error.Code)), OpenAIJson.Options, context.RequestAborted);
    }

    /// <summary>
    /// Whether an answer of this status should tell OpenAI's Python and Node libraries not to retry the request. They
    /// retry 408, 409, 429 and every 5xx unless <c>x-should-retry: false</c> says otherwise (the Node library twice,
    /// within seconds), and for each of those but 408 and 503 this service would answer the retry the same way: the
    /// one 429 here is a full job queue (full for minutes), a 409 a file or model that a job uses until it ends, a 507
    /// a full disk. A 408 (a body sent too slowly) and a 503 (a service stopping, a model that may load next time)
    /// may pass on a retry; a 400, 401, 403 or 404 is never retried anyway. The .NET library ignores the header: it
    /// retries 408, 429, 500, 502, 503 and 504.
    /// </summary>
    internal static bool RetryCannotHelp(int statusCode) =>
        statusCode is >= 400 and < 500 and not StatusCodes.Status408RequestTimeout or StatusCodes.Status507InsufficientStorage;

    /// <summary>
    /// Runs <paramref name="handler"/>, answering its refusals with the envelope. <paramref name="query"/>: the query
    /// parameters the route reads (OpenAI's for it); any other is refused before the handler runs
    /// (<see cref="Query.RefuseUnread"/>), so a route mapped without them takes none.
    /// </summary>
    public static RequestDelegate Handle(Func<HttpContext, Task> handler, params string[] query) => async context =>
    {
        try
        {
            Query.RefuseUnread(context, query);
            await handler(context);
        }
        catch (OpenAIApiException ex)
        {
            await WriteAsync(context, ex);
        }
        catch (PredictionQueueFullException ex)
        {
            // Unlike a full job queue, a full prediction queue is gone in a second: the libraries' retry is what to do.
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = PredictionQueueFullException.RetryAfterSeconds;
            await context.Response.WriteAsJsonAsync(new Body(new Detail(ex.Message, "requests", null, "rate_limit_exceeded")), OpenAIJson.Options, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Uploads answer their own limit; this is every other body, a job's or a chat's, which are a few KB.
            long? limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            await WriteAsync(context, new OpenAIApiException(ex.StatusCode,
                limit is long bytes
                    ? $"the request body is larger than {Bytes(bytes)}, the most this service reads for a request other than a file upload; upload training data with POST /v1/files"
                    : "the request body is larger than this service reads",
                code: "request_too_large"));
        }
        catch (BadHttpRequestException ex) when (SlowBody.Is(ex))
        {
            await WriteAsync(context, new OpenAIApiException(ex.StatusCode, SlowBody.Message, code: SlowBody.Code));
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own refusal of a body framed wrongly (a bad chunk).
            await WriteAsync(context, new OpenAIApiException(ex.StatusCode, ex.Message, code: "invalid_request_body"));
        }
        catch (InvalidDataException ex)
        {
            // Malformed multipart bodies surface as InvalidDataException; the upload answers its form's limits itself.
            await WriteAsync(context, OpenAIApiException.BadRequest($"the request body cannot be read: {ex.Message}", code: OpenAIApiException.InvalidMultipart));
        }
        catch (JsonException ex)
        {
            await WriteAsync(context, OpenAIApiException.BadRequest($"the body is not valid JSON: {JsonParseProblem.Describe(ex)}"));
        }
        catch (Exception ex) when (StorageFull.Is(ex) && !context.Response.HasStarted)
        {
            // 507 rather than a bare 500: the client learns why, and the SDKs do not retry into the same full disk. The
            // file's bytes or the database's row, whichever met the full disk first (SQLite's SQLITE_FULL was a 500 with
            // an empty body).
            // A delete writes too (its record), but "nothing was stored" would not say what happened to it.
            await WriteAsync(context, new OpenAIApiException(StatusCodes.Status507InsufficientStorage,
                HttpMethods.IsDelete(context.Request.Method) ? StoredFiles.DiskFullOnDeleteMessage : StoredFiles.DiskFullMessage,
                type: "server_error", code: "insufficient_storage"));
        }
    };

    /// <summary>A size limit as the 413s say it: bytes, and MiB or KiB for a reader.</summary>
    public static string Bytes(long bytes) => bytes >= 1024 * 1024
        ? FormattableString.Invariant($"{bytes} bytes ({bytes / (1024.0 * 1024):0.##} MiB)")
        : FormattableString.Invariant($"{bytes} bytes ({bytes / 1024.0:0.##} KiB)");

    /// <summary>
    /// Reads a JSON object body, or refuses it with 400: a body not sent as JSON (<c>application/json</c>, as OpenAI's
    /// libraries send it), compressed or declared in another charset than UTF-8 (code <c>unsupported_media_type</c>), or
    /// not a JSON object.
    /// </summary>
    public static async Task<JsonDocument> ReadJsonObjectAsync(HttpRequest request)
    {
        // curl's -d without a Content-Type header sends a form, and a body of another type that happens to parse is
        // still not what its sender meant. A 400, as an upload sent as JSON is, rather than ASP.NET's 415.
        if (!request.HasJsonContentType())
            throw OpenAIApiException.BadRequest(
                $"{request.Path.Value} takes a JSON body sent as Content-Type: application/json; this one is "
                + (string.IsNullOrEmpty(request.ContentType) ? "sent without a Content-Type" : $"of type {PrintableText.Quote(request.ContentType)}"),
                code: "unsupported_media_type");
        if (Serving.ContentEncodingCheck.Problem(request) is { } encoded) throw OpenAIApiException.BadRequest(encoded, code: "unsupported_media_type");
        if (Serving.ContentCharsetCheck.Problem(request) is { } charset) throw OpenAIApiException.BadRequest(charset, code: "unsupported_media_type");
        var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 32 }, request.HttpContext.RequestAborted);
        // Text that is not Unicode is no JSON, which carries no code; the others are JSON a request cannot be.
        // A name given twice is named with its path, in param too: hyperparameters.n_epochs twice was told as 'n_epochs', param null.
        (string Message, string? Code, string? Param)? problem = document.RootElement.ValueKind != JsonValueKind.Object ? ("the body must be a JSON object", JsonFields.InvalidType, null)
            : JsonText.HoldsInvalidText(document.RootElement) ? ("the body holds text that is not valid Unicode (bytes that are not UTF-8, or a lone surrogate escape)", null, null)
            : JsonText.RepeatedField(document.RootElement) is { } repeated ? ($"the body names '{repeated}' twice in one object; give each field once", "invalid_value", repeated)
            : null;
        if (problem is null) return document;
        document.Dispose();
        throw OpenAIApiException.BadRequest(problem.Value.Message, problem.Value.Param, problem.Value.Code);
    }
}
