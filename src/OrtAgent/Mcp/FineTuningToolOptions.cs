namespace OrtAgent.Mcp;

/// <summary>What the fine-tuning tools may read besides the service's own store.</summary>
/// <param name="AllowLocalPaths">
/// Whether <c>training_file</c> may be a path on the server's machine. True for <c>ortagent mcp</c>, whose client
/// runs on the same machine as the same user; false on <c>serve</c>'s <c>/mcp</c>, where a remote caller must not
/// make the server read its files.
/// </param>
/// <param name="MaxRequestBytes">
/// The largest request a call travels in over HTTP (<see cref="Serving.ServingOptions.BodyLimitBytes"/>), which bounds
/// inline <c>training_data</c>, said in the tool's description; null over stdio, whose limit is its line's.
/// </param>
internal sealed record FineTuningToolOptions(bool AllowLocalPaths, long? MaxRequestBytes = null);
