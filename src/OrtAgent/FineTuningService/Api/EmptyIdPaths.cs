using Microsoft.AspNetCore.Http;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// Middleware answering a request whose path leaves an object's id empty, as a client's call with an empty id sends it
/// (OpenAI's Node library's <c>files.retrieve('')</c> is <c>GET /v1/files/</c>, <c>files.del('')</c> is
/// <c>DELETE /v1/files/</c>, <c>jobs.cancel('')</c> is <c>POST /v1/fine_tuning/jobs//cancel</c>), with the 404 any id
/// that names nothing gets, in the object's own code. Routing matched such a path to the list (a GET, read as the object
/// asked for), to nothing (<c>//cancel</c>, an <c>unknown_url</c> 404) or to the list's other methods (a DELETE, a 405).
/// One rule for every route with an id: the request is refused when the route with an id in that place takes its
/// method; any other method keeps routing's answer. It runs after routing and the API keys, so a request without a
/// key is still a 401.
/// </summary>
internal sealed class EmptyIdPaths(RequestDelegate next, MappedRoutes routes)
{
    private sealed record Collection(string Path, string Names, string Param, string Code);

    // Each collection whose routes take an id in the segment after its path, with what its own 404 names.
    private static readonly Collection[] Collections =
    [
        new("/v1/fine_tuning/jobs", "fine-tuning job", "fine_tuning_job_id", "job_not_found"),
        new("/v1/files", "file", "file_id", "file_not_found"),
        new("/v1/models", "model", "model", "model_not_found"),
    ];

    // Stands for the missing id when asking which methods the route with an id takes; any non-empty segment would do.
    private const string SomeId = "id";

    public Task InvokeAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "";
        foreach (var collection in Collections)
        {
            // The id's segment: what follows the collection's path and its '/', up to the next '/'.
            if (!path.StartsWith(collection.Path + "/", StringComparison.OrdinalIgnoreCase)) continue;
            string rest = path[(collection.Path.Length + 1)..];
            if (rest.Length > 0 && rest[0] != '/') continue;
            var methods = routes.MethodsAt(collection.Path + "/" + SomeId + rest);
            if (methods is null || (methods.Count > 0 && !methods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))) continue;
            return OpenAIErrorEnvelope.WriteAsync(context, Refusal(collection, path, rest));
        }
        return next(context);
    }

    private static OpenAIApiException Refusal(Collection collection, string path, string rest)
    {
        string where = rest.Trim('/').Length == 0
            ? $"ends in '/' with no id after it; the list is at {PrintableText.Quote(collection.Path)}"
            : $"has no id between {PrintableText.Quote(collection.Path + "/")} and {PrintableText.Quote(rest)}";
        return OpenAIApiException.NotFound($"no {collection.Names} with id '': the path {PrintableText.Quote(path)} {where}", collection.Param, collection.Code);
    }
}
