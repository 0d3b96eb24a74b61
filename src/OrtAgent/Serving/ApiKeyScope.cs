namespace OrtAgent.Serving;

/// <summary>What the API key a request presented lets it do.</summary>
internal enum ApiKeyScope
{
    /// <summary>
    /// An inference key (<c>--inference-api-key</c>): it classifies and explains texts and reads what models there are,
    /// on the routes marked <see cref="InferenceKeyAccess.AllowInferenceKeys{TBuilder}"/> and the MCP tools in
    /// <see cref="Mcp.InferenceKeyTools"/>; everything else (files, jobs, deleting models, reload) is refused with 403.
    /// </summary>
    Inference,

    /// <summary>A full key (<c>--api-key</c>), or no keys configured: every route.</summary>
    Full,
}
