using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OrtAgent.Serving.Tls;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.FineTuningService;
using OrtAgent.Tests.Mcp;

namespace OrtAgent.Tests.Serving.Tls;

/// <summary>
/// The clients users drive the servers with, over https with a transport that trusts the test certificate: the OpenAI
/// .NET library against <c>serve --fine-tuning</c>, and the MCP C# SDK against <c>/mcp</c> (which rides on the same server).
/// </summary>
public sealed class HttpsClientsTests : IDisposable
{
    private readonly TempDirectory _files = new("tls-clients");

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task TheOpenAILibraryListsTheFineTuningServicesModelsOverHttps()
    {
        using var tiny = new TinyTrainingFixture();
        using var certificate = TestCertificates.SelfSigned(ecdsa: true);
        var logs = new RecordingLoggerProvider();
        await using var app = ServiceUnderTest.Build(Path.Combine(tiny.Root, "store"), tiny.BaseModel, logs, url: "https://127.0.0.1:0", certificate: Files(certificate));
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Urls.Single());
            using var http = PinnedHttpsClient.Create(address, certificate);
            var client = new OpenAIClient(new ApiKeyCredential(ServiceUnderTest.ApiKey), new OpenAIClientOptions
            {
                Endpoint = new Uri(address, "v1"),
                Transport = new HttpClientPipelineTransport(http),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            });

            var models = (await client.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();

            Assert.Equal("https", address.Scheme);
            Assert.Contains("tiny", models);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task TheMcpClientCallsTheToolsOverHttps()
    {
        using var certificate = TestCertificates.SelfSigned();
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: ["mcp-over-tls"], certificate: Files(certificate)));
        using var http = PinnedHttpsClient.Create(server.BaseAddress, certificate);
        await using var client = await McpTestClients.ConnectHttpAsync(server.BaseAddress, "mcp-over-tls", protocolVersion: null, http);

        var answer = await client.CallAsync("classify_text", new() { ["text"] = "the pizza was excellent" });

        Assert.Equal("https", server.BaseAddress.Scheme);
        Assert.Equal("positive", answer.GetProperty("results")[0].GetProperty("label").GetString());
    }

    private ServerCertificateOptions Files(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) => new()
    {
        CertificateFile = _files.Write("cert.pem", TestCertificates.CertificatePem(certificate)),
        KeyFile = _files.Write("key.pem", TestCertificates.KeyPem(certificate)),
    };
}
