using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>The JSON body of every error response, shaped like text-embeddings-inference's.</summary>
internal sealed record ApiErrorBody(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_type")] string ErrorType)
{
    public static Task WriteAsync(HttpContext context, int statusCode, string errorType, string message)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(new ApiErrorBody(message, errorType), JsonSerializerOptions.Web, context.RequestAborted);
    }
}
