using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OrtAgent.Serving;

/// <summary>
/// Which routes an inference key may call, declared where each route is mapped (<c>.AllowInferenceKeys()</c>), so a
/// route added later is refused to inference keys until someone decides otherwise; and the scope the request's key
/// has, which <see cref="ApiKeyAuthentication"/> records and the MCP tool filters read.
/// </summary>
internal static class InferenceKeyAccess
{
    private sealed class AllowedMarker;

    private sealed class OpenMarker;

    private static readonly AllowedMarker Allowed = new();
    private static readonly OpenMarker Open = new();
    private static readonly object ScopeItem = new();

    /// <summary>Lets inference keys call the routes <paramref name="builder"/> maps (full keys call every route).</summary>
    public static TBuilder AllowInferenceKeys<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.Metadata.Add(Allowed));
        return builder;
    }

    /// <summary>
    /// Lets every caller, with a key or without, call the routes <paramref name="builder"/> maps: <c>/health</c>, which
    /// load balancers probe without credentials. Marked on the endpoint, not matched by path, so every spelling routing
    /// takes for it (<c>/health/</c>, <c>/HEALTH</c>) is open alike.
    /// </summary>
    public static TBuilder AllowWithoutKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.Metadata.Add(Open));
        return builder;
    }

    /// <summary>Whether <paramref name="endpoint"/> is open to every caller (<see cref="AllowWithoutKey{TBuilder}"/>).</summary>
    public static bool IsOpen(Endpoint? endpoint) => endpoint is RouteEndpoint && endpoint.Metadata.GetMetadata<OpenMarker>() is not null;

    /// <summary>
    /// Whether an inference key may reach <paramref name="endpoint"/>. Only the server's own routes are guarded: a path
    /// with none, and routing's answer to a route's other methods (a plain endpoint, not a route's), are answered 404 and
    /// 405 to any valid key alike, as a refusal naming a full key would send its holder looking for one.
    /// </summary>
    public static bool Admits(Endpoint? endpoint) =>
        endpoint is not RouteEndpoint || endpoint.Metadata.GetMetadata<AllowedMarker>() is not null;

    /// <summary>Records the scope of the key <paramref name="context"/>'s request presented.</summary>
    public static void SetScope(HttpContext context, ApiKeyScope scope) => context.Items[ScopeItem] = scope;

    /// <summary>
    /// The scope of the request's key. Without keys (none configured, or no HTTP request at all: stdio) every caller is
    /// <see cref="ApiKeyScope.Full"/>. Where keys are configured, <see cref="ApiKeyAuthentication"/> records the scope of
    /// every key it admits, full keys' too, so a request with none recorded (the HTTP context not reaching the code that
    /// asks, a path that skipped the check) is taken as the narrower <see cref="ApiKeyScope.Inference"/>, never as full.
    /// </summary>
    public static ApiKeyScope ScopeOf(HttpContext? context, bool keysConfigured) =>
        context?.Items.TryGetValue(ScopeItem, out var scope) == true && scope is ApiKeyScope given ? given
        : keysConfigured ? ApiKeyScope.Inference : ApiKeyScope.Full;
}
