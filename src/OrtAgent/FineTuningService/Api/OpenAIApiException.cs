using Microsoft.AspNetCore.Http;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// A request the fine-tuning service refuses: the HTTP status and the fields of OpenAI's error envelope. Thrown by
/// validation anywhere in the service (also when it is called in-process, as the MCP tools do) and written as a
/// response in one place, <see cref="OpenAIErrorEnvelope"/>. A client's mistake is a 4xx, and a 429 only where waiting
/// helps (a full job queue), as the SDKs retry 5xx and 429; a 5xx says the server's own state is at fault (a full disk,
/// a model on disk that cannot be loaded).
/// </summary>
public sealed class OpenAIApiException : Exception
{
    public OpenAIApiException(int statusCode, string message, string? param = null, string? code = null, string type = "invalid_request_error")
        : base(message)
    {
        StatusCode = statusCode;
        Param = param;
        Code = code;
        Type = type;
    }

    /// <summary>The HTTP status to answer with.</summary>
    public int StatusCode { get; }

    /// <summary>OpenAI's error type, e.g. <c>invalid_request_error</c>.</summary>
    public string Type { get; }

    /// <summary>The request field at fault, if one is.</summary>
    public string? Param { get; }

    /// <summary>A machine-readable code, e.g. <c>model_not_found</c>.</summary>
    public string? Code { get; }

    /// <summary>The seconds a client may wait before trying again, sent as <c>Retry-After</c>; null for none.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>OpenAI's codes for a request field it does not know, and for a required one not given.</summary>
    public const string UnknownParameter = "unknown_parameter", MissingRequiredParameter = "missing_required_parameter";

    /// <summary>
    /// The code of an upload whose multipart form cannot be read (no boundary, a malformed or truncated part). OpenAI
    /// gives none that we know of; a client that branches on codes gets one that says what to fix.
    /// </summary>
    public const string InvalidMultipart = "invalid_multipart";

    /// <summary>The code of a list's <c>after</c> that names nothing in the list (a client paging on would read an empty page as the end).</summary>
    public const string InvalidCursor = "invalid_cursor";

    public static OpenAIApiException BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, param, code);

    /// <summary>
    /// A value outside its range, named with the value given in the words the MCP tools use (<c>n_epochs: 0 is out of
    /// range; give 1 to 50</c>), coded as OpenAI codes such a refusal: <c>integer_below_min_value</c>, <c>decimal_above_max_value</c>, …
    /// </summary>
    /// <param name="param">The request field at fault, where the body holds it.</param>
    /// <param name="name">The value's name in the message.</param>
    /// <param name="given">The value as the client gave it.</param>
    /// <param name="range">What to give instead: "1 to 50", "at least 1".</param>
    /// <param name="below">The value is under its range (else over it).</param>
    /// <param name="integer">The value is a whole number (else a decimal one).</param>
    public static OpenAIApiException OutOfRange(string param, string name, string given, string range, bool below, bool integer = true) =>
        BadRequest(OutOfRangeMessage(name, given, range), param,
            $"{(integer ? "integer" : "decimal")}_{(below ? "below_min" : "above_max")}_value");

    /// <summary>How a value out of its range is refused, here and by the MCP tools: "n_epochs: 0 is out of range; give 1 to 50".</summary>
    internal static string OutOfRangeMessage(string name, string given, string range) => $"{name}: {given} is out of range; give {range}";

    /// <summary>A value of the wrong kind (a fraction where a whole number is asked, text where a number is), named with the value given.</summary>
    public static OpenAIApiException WrongType(string param, string name, string given, string expected) =>
        BadRequest($"{name}: {given} is not {expected}", param, "invalid_type");

    public static OpenAIApiException NotFound(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status404NotFound, message, param, code);

    public static OpenAIApiException Conflict(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status409Conflict, message, param, code);
}
