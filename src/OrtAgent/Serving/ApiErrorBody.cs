using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>The JSON body of every error response, shaped like text-embeddings-inference's.</summary>
internal sealed record ApiErrorBody(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_type")] string ErrorType)
{
    // Messages quote names ('model', "inputs"): the default encoder wrote \u0027 and \u0022, unreadable in a raw body, as
    // the OpenAI routes' bodies did (OpenAIJson). This one escapes what JSON requires and the invisible controls a quoted
    // text may hold (TerminalSafeJsonEncoder); these are application/json.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = Inference.TerminalSafeJsonEncoder.Instance };

    public static Task WriteAsync(HttpContext context, int statusCode, string errorType, string message)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(new ApiErrorBody(message, errorType), Json, context.RequestAborted);
    }
}
