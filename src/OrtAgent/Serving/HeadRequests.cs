using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OrtAgent.Serving;

/// <summary>
/// Maps a read route for <c>HEAD</c> as well as <c>GET</c>: load balancers, link checkers and <c>curl -I</c> probe with
/// HEAD, and routing answers a method a route was not mapped for with 405. Kestrel sends no body for a HEAD request,
/// whatever the handler writes, so the GET handler serves both; one whose body is costly to produce (a stored file's
/// content) sets its Content-Length and returns on HEAD before producing it.
/// </summary>
internal static class HeadRequests
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointConventionBuilder MapGetAndHead(this IEndpointRouteBuilder routes, string pattern, RequestDelegate handler) =>
        routes.MapMethods(pattern, GetAndHead, handler);
}
