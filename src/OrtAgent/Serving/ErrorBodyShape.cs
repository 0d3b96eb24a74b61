namespace OrtAgent.Serving;

/// <summary>The error body a path's clients read, as <see cref="PathErrorBody.ShapeFor"/> tells it.</summary>
internal enum ErrorBodyShape
{
    /// <summary><c>serve</c>'s own body, <see cref="ApiErrorBody"/>.</summary>
    Serve,

    /// <summary>OpenAI's error envelope, which its SDKs parse.</summary>
    OpenAIEnvelope,

    /// <summary>A JSON-RPC error without an id, on <c>/mcp</c>.</summary>
    JsonRpc,
}
