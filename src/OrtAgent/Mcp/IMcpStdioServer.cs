namespace OrtAgent.Mcp;

/// <summary>Serves the MCP tools over this process's stdin and stdout.</summary>
internal interface IMcpStdioServer
{
    /// <summary>
    /// Loads the models, then answers JSON-RPC on stdin/stdout until the client closes stdin or
    /// <paramref name="cancellationToken"/> fires. Nothing but protocol messages is written to stdout.
    /// </summary>
    /// <exception cref="UserInputException">A limit is out of range, or two models have the same name.</exception>
    /// <exception cref="Runtime.ModelLoadException">A model directory cannot be loaded.</exception>
    Task RunAsync(McpStdioRequest request, CancellationToken cancellationToken);
}
