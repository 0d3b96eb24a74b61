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

    public static OpenAIApiException BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, param, code);

    public static OpenAIApiException NotFound(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status404NotFound, message, param, code);

    public static OpenAIApiException Conflict(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status409Conflict, message, param, code);
}
