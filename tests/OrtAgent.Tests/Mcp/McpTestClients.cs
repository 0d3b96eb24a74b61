using ModelContextProtocol.Client;

namespace OrtAgent.Tests.Mcp;

/// <summary>Client settings for the MCP tests.</summary>
internal static class McpTestClients
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>
    /// A client that requests <paramref name="protocolVersion"/> (null: the newest, opened with <c>server/discover</c>).
    /// The discover probe waits as long as the whole handshake: on a loaded machine a server still starting would
    /// otherwise miss the SDK's 5 s probe and be met with the <c>initialize</c> fallback, which is not what a test of
    /// the newest revision means to test.
    /// </summary>
    public static McpClientOptions Options(string? protocolVersion) => new()
    {
        ProtocolVersion = protocolVersion,
        InitializationTimeout = Patience,
        DiscoverProbeTimeout = Patience,
    };

    /// <summary>
    /// A client of the streamable-HTTP endpoint <c>/mcp</c> under <paramref name="baseAddress"/>, sending <paramref name="key"/>
    /// as a bearer token, through <paramref name="http"/> when given (which the caller disposes: one that trusts a test certificate).
    /// </summary>
    public static async Task<McpClient> ConnectHttpAsync(Uri baseAddress, string? key, string? protocolVersion, HttpClient? http = null)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = key is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
        };
        var transport = http is null ? new HttpClientTransport(options) : new HttpClientTransport(options, http, loggerFactory: null, ownsHttpClient: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await McpClient.CreateAsync(transport, Options(protocolVersion), cancellationToken: timeout.Token);
    }
}
