using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware that gives the error responses ASP.NET itself produces without a body (404 for an unknown path, 405 for a
/// known path with the wrong method, 415 for a body type an endpoint does not take, 400 for a body Kestrel cannot read) the
/// error body the path's clients read (<see cref="PathErrorBody"/>: OpenAI's envelope under <c>/v1</c>, a JSON-RPC error
/// on <c>/mcp</c>, serve's own body elsewhere; on <c>serve --fine-tuning</c>, an OpenAI server, every unknown path
/// outside <c>/mcp</c> in the envelope, which says where an OpenAI route asked without its <c>/v1</c> lives), with the
/// status unchanged; and answers a body an endpoint could not read
/// (413 past the size limit), and MCP params its SDK cannot read (400), the same way rather than letting them escape.
/// What Kestrel refuses before the pipeline runs (431 headers too large, 414, a request line it cannot parse) it
/// answers itself with an empty body, which no middleware sees (aspnet/KestrelHttpServer#2947).
/// </summary>
internal sealed class EmptyErrorBodies(RequestDelegate next)
{
    /// <summary>The envelope's <c>code</c> for a <c>/v1</c> path without an endpoint, on every server.</summary>
    public const string UnknownUrl = "unknown_url";

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // A body over the limit (or one Kestrel cannot read) that an endpoint read without catching, as /mcp's does:
            // escaping, it was an empty 413 to the client, a "fail" log line and a 500 in the metrics.
            // A body sent too slowly (/predict's, /explain's, /mcp's) is said in the client's terms, not Kestrel's.
            if (SlowBody.Is(ex))
                await PathErrorBody.WriteAsync(context, ex.StatusCode, SlowBody.Code, SlowBody.Message);
            else
                await PathErrorBody.WriteAsync(context, ex.StatusCode, "validation", ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? $"the request body is larger than {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes"
                    : $"the request cannot be read: {ex.Message}");
            return;
        }
        catch (System.Text.Json.JsonException ex) when (!context.Response.HasStarted && context.Request.Path.StartsWithSegments(InferenceServer.McpPath))
        {
            // The MCP SDK reads a request's params into its own types after routing, and params lacking what the method
            // requires (an initialize without protocolVersion) escaped it: an empty 500 for a client's mistake.
            await PathErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, "validation", $"the request's params do not fit its method: {Mcp.RequestParamsCheck.Describe(ex)}");
            return;
        }
        var response = context.Response;
        if (response.StatusCode < 400 || response.HasStarted || response.ContentLength is not null || response.ContentType is not null) return;
        var routes = context.RequestServices.GetRequiredService<MappedRoutes>();
        var shape = PathErrorBody.ShapeFor(context);
        var (type, message) = response.StatusCode switch
        {
            // Under /v1, and on an OpenAI server's paths without an endpoint (both written in its envelope), the code
            // OpenAI gives a URL it has no endpoint for.
            StatusCodes.Status404NotFound when shape == ErrorBodyShape.OpenAIEnvelope => (UnknownUrl, UnknownOpenAIPath(context, routes)),
            StatusCodes.Status404NotFound => ("not_found", $"no endpoint at {context.Request.Path.Value}; see {routes.Listed}"),
            StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", $"{context.Request.Method} is not allowed on {context.Request.Path.Value}; allowed: {response.Headers.Allow}"),
            StatusCodes.Status415UnsupportedMediaType => ("validation", NotJsonType(context.Request)),
            _ => ("validation", $"the request was refused with status {response.StatusCode}"),
        };
        // Not serve's body on every path: an MCP client reads a JSON-RPC error and an OpenAI SDK the envelope, and either
        // found {"error": "..."} where it looked for an object (a 405 or 415 on /mcp, a 404 under /v1 on plain serve).
        await PathErrorBody.WriteAsync(context, shape, response.StatusCode, type, message);
    }

    /// <summary>The refusal of a body declared as a type other than JSON, on every path that takes JSON.</summary>
    internal static string NotJsonType(HttpRequest request) =>
        $"{request.Path.Value} does not take a body of type '{request.ContentType}'; send application/json";

    /// <summary>
    /// The 404 of a path without an endpoint under <c>/v1</c>, or on an OpenAI server elsewhere, which a client whose
    /// base URL lacks <c>/v1</c> asks for: pointed at the <c>/v1</c> route when one takes the request's method, told
    /// what that route takes when it takes other methods (pointed there, the client got a 405), and otherwise (under
    /// <c>/v1</c> too) shown the server's routes.
    /// </summary>
    private static string UnknownOpenAIPath(HttpContext context, MappedRoutes routes)
    {
        string path = context.Request.Path.Value ?? "/", method = context.Request.Method;
        return (context.Request.Path.StartsWithSegments("/v1") ? null : routes.MethodsAt("/v1" + path)) switch
        {
            null => $"no endpoint at {path}; see {routes.Listed}",
            var methods when methods.Count == 0 || methods.Contains(method, StringComparer.OrdinalIgnoreCase) =>
                $"no endpoint at {path}; the OpenAI routes are under /v1: /v1{path}",
            var methods => $"no endpoint at {path}; the OpenAI routes are under /v1, where /v1{path} takes {string.Join(", ", methods)}, not {method}",
        };
    }
}
