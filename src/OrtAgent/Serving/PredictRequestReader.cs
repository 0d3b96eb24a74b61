using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrtAgent.Data;
using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>
/// Reads and validates a text-embeddings-inference style <c>/predict</c> body:
/// <c>{"inputs": "text" | ["text", ...] | [["text"], ...], "raw_scores": bool, "truncate": bool, "model": "name"}</c>.
/// Every way a body can be wrong becomes an <see cref="ApiErrorException"/> with a 4xx status, never a 500.
/// </summary>
internal static class PredictRequestReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 8 };

    /// <exception cref="ApiErrorException">The body is too large (413), not the expected JSON (400), or breaks a limit (413/422).</exception>
    public static async Task<PredictRequest> ReadAsync(HttpRequest request, ServingOptions limits, CancellationToken cancellationToken)
    {
        RefuseQuery(request, Fields);
        using var document = await ReadDocumentAsync(request, limits, cancellationToken).ConfigureAwait(false);
        return Parse(document.RootElement, limits);
    }

    /// <summary>Parses a request body sent as JSON (or with no type) as JSON within <see cref="ServingOptions.BodyLimitBytes"/>.</summary>
    /// <exception cref="ApiErrorException">The body is sent as another type, compressed or in another charset than UTF-8 (415), too large (413) or not JSON (400).</exception>
    internal static async Task<JsonDocument> ReadDocumentAsync(HttpRequest request, ServingOptions limits, CancellationToken cancellationToken)
    {
        RequireJsonContentType(request);
        if (ContentEncodingCheck.Problem(request) is { } encoded)
            throw new ApiErrorException(StatusCodes.Status415UnsupportedMediaType, "validation", encoded);
        if (ContentCharsetCheck.Problem(request) is { } charset)
            throw new ApiErrorException(StatusCodes.Status415UnsupportedMediaType, "validation", charset);
        if (request.ContentLength > limits.BodyLimitBytes) throw BodyTooLarge(limits);
        try
        {
            return await JsonDocument.ParseAsync(request.Body, DocumentOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new ApiErrorException(StatusCodes.Status400BadRequest, "validation", $"the body is not valid JSON: {JsonParseProblem.Describe(ex)}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel enforces MaxRequestBodySize while streaming bodies sent without a Content-Length.
            throw BodyTooLarge(limits);
        }
    }

    /// <summary>
    /// Refuses a body declared as anything but JSON, as the <c>/v1</c> routes do and as TEI does (415): curl's <c>-d</c>
    /// alone sends a form, and a page's form or no-cors fetch sends text/plain, neither of which a client meant as this
    /// API's JSON; one that happened to parse was answered. A body sent without a Content-Type is still read as JSON,
    /// as before: the type is missing, not wrong, and raw clients that send none kept working.
    /// </summary>
    /// <exception cref="ApiErrorException">415: the Content-Type is not <c>application/json</c> (or a <c>+json</c> type).</exception>
    private static void RequireJsonContentType(HttpRequest request)
    {
        if (string.IsNullOrEmpty(request.ContentType) || request.HasJsonContentType()) return;
        throw new ApiErrorException(StatusCodes.Status415UnsupportedMediaType, "validation",
            $"{request.Path.Value} takes a JSON body sent as Content-Type: application/json; this one is of type {PrintableText.Quote(request.ContentType)} "
            + "(with curl, add -H 'Content-Type: application/json', or use --json)");
    }

    /// <summary>The fields a <c>/predict</c> body may hold (TEI's, and <c>model</c>); any other is refused, naming it.</summary>
    internal static readonly string[] Fields = ["inputs", "raw_scores", "truncate", "truncation_direction", "model"];

    /// <summary>
    /// Refuses a query on <c>/predict</c> (400): it reads none, and <c>?model=NAME</c>, which <c>/info</c> (a GET, with
    /// no body) takes, was ignored here and the default model answered. The model is named in the body, once.
    /// </summary>
    /// <exception cref="ApiErrorException">The URL has a query parameter.</exception>
    internal static void RefuseQuery(HttpRequest request, IReadOnlyList<string> bodyFields) =>
        RefuseAnyQuery(request, "its body names what it needs (" + string.Join(", ", bodyFields) + "), the model as \"model\"");

    /// <summary>
    /// Refuses a query on a route that reads none (400 <c>validation</c>, naming the parameter), as its body's unknown
    /// fields are: ignored, <c>/admin/reload?model=x</c> reloaded the served model as if plain. <paramref name="why"/>
    /// says why the route needs none.
    /// </summary>
    /// <exception cref="ApiErrorException">The URL has a query parameter.</exception>
    internal static void RefuseAnyQuery(HttpRequest request, string why)
    {
        if (request.Query.Keys.FirstOrDefault() is not { } name) return;
        throw Invalid($"unrecognized query parameter {PrintableText.Quote(name)}; {request.Path.Value} takes none: {why}");
    }

    /// <summary>Validates an already parsed body; split out so the rules are testable without HTTP.</summary>
    public static PredictRequest Parse(JsonElement root, ServingOptions limits)
    {
        // A misspelt field ("truncat": false) was ignored, and the text cut though the client asked for a refusal.
        if (UnrecognizedField.First(RequireObjectWithInputs(root), "", "a /predict body takes", Fields) is { } unknown)
            throw Invalid(unknown.Message);
        RequireRightTruncation(root);
        bool rawScores = ReadOptionalBool(root, "raw_scores") ?? false;
        // Absent or null, OrtAgent cuts (its documented default, where TEI's is false); false asks for TEI's refusal.
        bool truncate = ReadOptionalBool(root, "truncate") ?? true;
        var (texts, isBatch) = ReadInputs(root.GetProperty("inputs"), limits.MaxInputsPerRequest, limits.MaxCharsPerInput);
        return new PredictRequest(texts, isBatch, rawScores, ReadModel(root), truncate);
    }

    /// <summary>
    /// TEI's <c>truncation_direction</c>, which TEI clients send: <c>right</c> (TEI's default) is what OrtAgent does, cutting
    /// a long text's end; <c>left</c>, ignored, would have classified the beginning the client asked to drop.
    /// </summary>
    /// <exception cref="ApiErrorException">It is given and is not "right" (in any case).</exception>
    private static void RequireRightTruncation(JsonElement root)
    {
        if (!root.TryGetProperty("truncation_direction", out var value) || value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), "right", StringComparison.OrdinalIgnoreCase)) return;
        throw Invalid($"\"truncation_direction\" is {(value.ValueKind == JsonValueKind.String ? PrintableText.Quote(value.GetString()!) : Describe(value.ValueKind))}; "
            + "OrtAgent cuts a long text's end only: send \"right\", or leave it out");
    }

    /// <summary>The body's optional <c>"model"</c>: the name of the model the client means.</summary>
    /// <exception cref="ApiErrorException">It is not a string (400).</exception>
    public static string? ReadModel(JsonElement root) =>
        root.TryGetProperty("model", out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"\"model\" must be a string, not {Describe(value.ValueKind)}")
            : null;

    /// <summary>Checks that the body is an object with an <c>inputs</c> field and returns it.</summary>
    internal static JsonElement RequireObjectWithInputs(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Invalid($"the body must be a JSON object with an \"inputs\" field, not {Describe(root.ValueKind)}");
        try
        {
            // A property name with a lone surrogate escape fails only when a lookup unescapes it: check them all once.
            foreach (var property in root.EnumerateObject()) _ = property.Name;
        }
        catch (InvalidOperationException)
        {
            throw Invalid("the body holds a property name that is not valid Unicode text");
        }
        if (JsonText.RepeatedName(root) is { } repeated)
            throw Invalid($"the body names \"{repeated}\" twice in one object; give each field once");
        if (!root.TryGetProperty("inputs", out _))
            throw Invalid("the body has no \"inputs\" field");
        return root;
    }

    /// <summary>
    /// Refuses, as an empty one (400), an input the chosen model's tokenizer makes no token of: only characters it drops,
    /// such as a zero-width space or NUL, which the model would score from [CLS] and [SEP] alone. Asked once the model is
    /// chosen, since the tokenizer decides; <paramref name="nothingToClassify"/> is the model's
    /// <see cref="ServedClassifier.NothingToClassify"/>.
    /// </summary>
    /// <exception cref="ApiErrorException">An input has no token; the message names it and says what it held.</exception>
    internal static void RequireTokens(PredictRequest request, Func<string, string?> nothingToClassify) =>
        RequireTokens(request.Texts, request.IsBatch, nothingToClassify);

    /// <summary>As <see cref="RequireTokens(PredictRequest, Func{string, string?})"/>, for any request's <c>inputs</c> (/explain's too).</summary>
    /// <exception cref="ApiErrorException">An input has no token; the message names it and says what it held.</exception>
    internal static void RequireTokens(IReadOnlyList<string> texts, bool isBatch, Func<string, string?> nothingToClassify)
    {
        for (int i = 0; i < texts.Count; i++)
        {
            if (nothingToClassify(texts[i]) is { } held)
                throw new ApiErrorException(StatusCodes.Status400BadRequest, "empty",
                    $"{(isBatch ? $"inputs[{i}]" : "\"inputs\"")} has nothing to classify: {held}");
        }
    }

    /// <summary>The texts of <c>inputs</c> (a string, or an array of at most <paramref name="maxInputs"/>), each checked.</summary>
    internal static (List<string> Texts, bool IsBatch) ReadInputs(JsonElement inputs, int maxInputs, int maxChars)
    {
        List<string> texts;
        bool isBatch;
        switch (inputs.ValueKind)
        {
            case JsonValueKind.String:
                texts = [ReadText(inputs, "\"inputs\"")];
                isBatch = false;
                break;
            case JsonValueKind.Array:
                int count = inputs.GetArrayLength();
                if (count == 0) throw new ApiErrorException(StatusCodes.Status400BadRequest, "empty", "\"inputs\" must not be empty");
                if (count > maxInputs)
                    throw new ApiErrorException(StatusCodes.Status413PayloadTooLarge, "validation",
                        $"\"inputs\" holds {count} texts; at most {maxInputs} are accepted per request");
                texts = new List<string>(count);
                int index = 0;
                foreach (var item in inputs.EnumerateArray())
                    texts.Add(ReadBatchItem(item, index++));
                isBatch = true;
                break;
            default:
                throw Invalid($"\"inputs\" must be a string or an array of strings, not {Describe(inputs.ValueKind)}");
        }
        for (int i = 0; i < texts.Count; i++)
        {
            // Whitespace-only counts as empty, as it does for a row of a data file: there is nothing to classify.
            if (string.IsNullOrWhiteSpace(texts[i]))
                throw new ApiErrorException(StatusCodes.Status400BadRequest, "empty",
                    $"{(isBatch ? $"inputs[{i}]" : "\"inputs\"")} is {(texts[i].Length == 0 ? "an empty string" : "only whitespace")}");
            if (CharacterLimit.Excess(texts[i], maxChars) is int characters and > 0)
                throw new ApiErrorException(StatusCodes.Status422UnprocessableEntity, "validation",
                    $"{(isBatch ? $"inputs[{i}]" : "\"inputs\"")} has {characters} characters; at most {maxChars} are accepted");
        }
        return (texts, isBatch);
    }

    /// <summary>A batch item is a string, or TEI's one-element array form <c>["text"]</c>.</summary>
    private static string ReadBatchItem(JsonElement item, int index)
    {
        if (item.ValueKind == JsonValueKind.String) return ReadText(item, $"inputs[{index}]");
        if (item.ValueKind == JsonValueKind.Array)
        {
            int length = item.GetArrayLength();
            if (length == 1 && item[0].ValueKind == JsonValueKind.String) return ReadText(item[0], $"inputs[{index}]");
            if (length == 2)
                throw new ApiErrorException(StatusCodes.Status422UnprocessableEntity, "validation",
                    $"inputs[{index}] is a sentence pair; this model classifies single texts");
        }
        throw Invalid($"inputs[{index}] must be a string, not {Describe(item.ValueKind)}");
    }

    /// <summary>
    /// The text of a JSON string. JSON escapes can spell a lone surrogate and raw bytes need not be UTF-8; neither is
    /// text, and System.Text.Json reports both only when the string is read.
    /// </summary>
    internal static string ReadText(JsonElement element, string where)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"{where} is not valid Unicode text (a lone surrogate escape, or bytes that are not UTF-8)");
        }
    }

    /// <summary>The boolean field <paramref name="name"/>; null when it is absent or null.</summary>
    private static bool? ReadOptionalBool(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => throw Invalid($"\"{name}\" must be true or false, not {Describe(value.ValueKind)}"),
        };
    }

    /// <summary>A JSON kind as an error message names it: "an array", "a string", "null".</summary>
    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    internal static ApiErrorException Invalid(string message) => new(StatusCodes.Status400BadRequest, "validation", message);

    private static ApiErrorException BodyTooLarge(ServingOptions limits) =>
        new(StatusCodes.Status413PayloadTooLarge, "validation", $"the body is larger than {limits.BodyLimitBytes} bytes");
}
