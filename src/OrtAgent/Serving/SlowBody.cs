using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// Kestrel's refusal of a request body that arrives too slowly (408), in the client's terms. Kestrel's own message,
/// "Reading the request body timed out due to data arriving too slowly. See MinRequestBodyDataRate.", ends with a hint
/// to the server's developer (a Kestrel setting) that no client can act on. Said the same in every route family's body.
/// </summary>
internal static class SlowBody
{
    /// <summary>The machine-readable kind of the refusal: serve's <c>error_type</c>, the envelope's <c>code</c>.</summary>
    public const string Code = "request_timeout";

    public const string Message = "the request body arrived too slowly, and the server stopped waiting for the rest of it; send the body faster, or in one piece";

    /// <summary>Whether <paramref name="refusal"/> is Kestrel's refusal of a body sent too slowly.</summary>
    public static bool Is(BadHttpRequestException refusal) => refusal.StatusCode == StatusCodes.Status408RequestTimeout;
}
