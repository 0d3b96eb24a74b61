using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OrtAgent.Serving;

/// <summary>
/// The routes a server maps (<c>serve</c> and <c>serve --fine-tuning</c> map different ones), read from routing once
/// the first request asks: which methods a path takes, the paths to list to a client that asked for none of them, and
/// whether the server is an OpenAI one (it maps routes under <c>/v1</c>), whose clients read its envelope on any path
/// without an endpoint.
/// </summary>
internal sealed class MappedRoutes(EndpointDataSource endpoints)
{
    private sealed record Route(string[] Segments, IReadOnlyList<string>? Methods);

    private sealed record RouteSet(IReadOnlyList<Route> Routes, string Listed, bool ServesOpenAI);

    private RouteSet? _set;

    // Endpoints are all mapped before the server listens, so the first request's look is every later one's.
    private RouteSet Set => _set ??= Read();

    /// <summary>The mapped paths without parameters, comma-separated, for a 404 to point at.</summary>
    public string Listed => Set.Listed;

    /// <summary>Whether the server maps OpenAI's routes under <c>/v1</c>.</summary>
    public bool ServesOpenAI => Set.ServesOpenAI;

    /// <summary>
    /// The methods routes at <paramref name="path"/> take (every method when one takes any), or null when no route is
    /// mapped there.
    /// </summary>
    public IReadOnlyList<string>? MethodsAt(string path)
    {
        var segments = Segments(path);
        var matching = Set.Routes.Where(route => Matches(route.Segments, segments)).ToList();
        if (matching.Count == 0) return null;
        return matching.Any(route => route.Methods is null) ? [] : [.. matching.SelectMany(route => route.Methods!).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Whether a refusal at <paramref name="path"/> is written in OpenAI's envelope outside <c>/v1</c>: on an OpenAI
    /// server, a path no route maps (outside <c>/mcp</c>) is an OpenAI client's whose base URL lacks <c>/v1</c>, and its
    /// SDK reads only the envelope, whether the refusal is the 404 or an earlier 401.
    /// </summary>
    public bool IsOpenAIClientsPath(PathString path) =>
        ServesOpenAI && !path.StartsWithSegments(InferenceServer.McpPath) && MethodsAt(path.Value ?? "/") is null;

    private RouteSet Read()
    {
        var routes = endpoints.Endpoints.OfType<RouteEndpoint>()
            .Select(e => new Route(Segments(e.RoutePattern.RawText ?? ""), e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods))
            .ToList();
        var paths = routes.Select(route => "/" + string.Join('/', route.Segments)).Distinct().ToList();
        return new RouteSet(routes,
            string.Join(", ", paths.Where(path => !path.Contains('{') && path != "/").Order(StringComparer.Ordinal)),
            paths.Any(path => path.StartsWith("/v1/", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A path's segments as routing matches them: one slash at each end is dropped (<c>/health/</c> is answered as
    /// <c>/health</c>), and an empty segment inside is kept, so <c>//v1//files</c>, which no route answers, matches none
    /// here either. Dropping every empty segment took it for <c>/v1/files</c>: a path with an endpoint, whose 401 and 404
    /// were written in serve's body rather than OpenAI's envelope.
    /// </summary>
    private static string[] Segments(string path)
    {
        if (path.StartsWith('/')) path = path[1..];
        if (path.EndsWith('/')) path = path[..^1];
        return path.Length == 0 ? [] : path.Split('/');
    }

    // Literal segments match as routing matches them, ignoring case; a parameter matches any one segment, a catch-all the rest.
    private static bool Matches(string[] pattern, string[] path)
    {
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i].StartsWith("{*", StringComparison.Ordinal)) return true;
            if (i >= path.Length) return false;
            if (pattern[i].StartsWith('{')) continue;
            if (!string.Equals(pattern[i], path[i], StringComparison.OrdinalIgnoreCase)) return false;
        }
        return pattern.Length == path.Length;
    }
}
