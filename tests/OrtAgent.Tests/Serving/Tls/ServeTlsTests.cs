using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using OrtAgent.Serving;
using OrtAgent.Serving.Tls;

namespace OrtAgent.Tests.Serving.Tls;

/// <summary>
/// <c>serve</c> on https with certificates made in the test, each kind of file it takes, called by clients that trust
/// exactly that certificate: /health and /predict answer, the chain in the file reaches the client, and http and https
/// addresses serve side by side.
/// </summary>
public sealed class ServeTlsTests : IDisposable
{
    private const string Password = "pässword with spaces";

    private readonly TempDirectory _files = new("tls");

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("rsa-pem")]
    [InlineData("ecdsa-pem")]
    [InlineData("rsa-encrypted-pem")]
    [InlineData("ecdsa-encrypted-pem")]
    [InlineData("key-in-certificate-pem")]
    [InlineData("rsa-pkcs12")]
    [InlineData("ecdsa-pkcs12-without-password")]
    public async Task EachKindOfCertificateFileServesPredictAndHealthOverHttps(string kind)
    {
        using var certificate = TestCertificates.SelfSigned(ecdsa: kind.StartsWith("ecdsa", StringComparison.Ordinal));
        var files = Files(kind, certificate);

        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: files));
        using var client = PinnedHttpsClient.Create(server.BaseAddress, certificate);

        Assert.Equal("https", server.BaseAddress.Scheme);
        using (var health = await client.GetAsync("/health"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("positive", await TopLabelAsync(client, "the pizza was excellent"));
    }

    /// <summary>
    /// The intermediates after the server's certificate in the file are sent with it: a client that trusts only the root
    /// accepts the server, and one whose server file lacks the intermediate is refused, so that the test can fail.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheChainInTheFileIsSentSoAClientTrustingOnlyTheRootAccepts(bool withIntermediate)
    {
        var (root, intermediate, leaf) = TestCertificates.Chain();
        using (root)
        using (intermediate)
        using (leaf)
        {
            var files = new ServerCertificateOptions
            {
                CertificateFile = _files.Write("fullchain.pem", TestCertificates.CertificatePem(leaf) + (withIntermediate ? TestCertificates.CertificatePem(intermediate) : "")),
                KeyFile = _files.Write("privkey.pem", TestCertificates.KeyPem(leaf)),
            };
            await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: files));
            using var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, presented, sent, _) => TrustsOnly(root, presented, sent) },
            };
            using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

            if (withIntermediate)
            {
                using var health = await client.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }
            else
            {
                await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/health"));
            }
        }
    }

    /// <summary>Plain http on loopback for a local health check, https for the network: both at once.</summary>
    [Fact]
    public async Task HttpAndHttpsAddressesServeSideBySide()
    {
        using var certificate = TestCertificates.SelfSigned();
        var files = Files("rsa-pem", certificate);
        using var model = new TempDirectory("serve");
        ToyClassifierModel.Write(model.Path, ToyClassifierModel.Sentiment);
        await using var app = await InferenceServer.BuildAsync(ServerUnderTest.Options(model.Path, certificate: files, urls: ["http://127.0.0.1:0", "https://127.0.0.1:0"]));
        await app.StartAsync();
        try
        {
            var addresses = app.Urls.Select(url => new Uri(url)).ToList();
            Assert.Equal(["http", "https"], addresses.Select(a => a.Scheme).Order());
            using var plain = new HttpClient { BaseAddress = addresses.Single(a => a.Scheme == "http"), Timeout = TimeSpan.FromSeconds(60) };
            using var secure = PinnedHttpsClient.Create(addresses.Single(a => a.Scheme == "https"), certificate);

            Assert.Equal("negative", await TopLabelAsync(plain, "boring"));
            Assert.Equal("negative", await TopLabelAsync(secure, "boring"));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private ServerCertificateOptions Files(string kind, X509Certificate2 certificate) => kind switch
    {
        "rsa-pem" or "ecdsa-pem" => new()
        {
            CertificateFile = _files.Write("cert.pem", TestCertificates.CertificatePem(certificate)),
            KeyFile = _files.Write("key.pem", TestCertificates.KeyPem(certificate)),
        },
        "rsa-encrypted-pem" or "ecdsa-encrypted-pem" => new()
        {
            CertificateFile = _files.Write("cert.pem", TestCertificates.CertificatePem(certificate)),
            KeyFile = _files.Write("key.pem", TestCertificates.EncryptedKeyPem(certificate, Password)),
            // As `echo` writes it: the line break is not part of the password.
            PasswordFile = _files.Write("password.txt", Password + "\n"),
        },
        "key-in-certificate-pem" => new()
        {
            CertificateFile = _files.Write("combined.pem", TestCertificates.CertificatePem(certificate) + TestCertificates.KeyPem(certificate)),
        },
        "rsa-pkcs12" => new()
        {
            CertificateFile = WriteBytes("server.pfx", TestCertificates.Pkcs12(certificate, Password)),
            PasswordFile = _files.Write("password.txt", Password + "\r\n"),
        },
        "ecdsa-pkcs12-without-password" => new() { CertificateFile = WriteBytes("server.p12", TestCertificates.Pkcs12(certificate, password: null)) },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = _files.Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Whether <paramref name="presented"/> chains to <paramref name="root"/> through the certificates the server sent alone.</summary>
    private static bool TrustsOnly(X509Certificate2 root, X509Certificate? presented, X509Chain? sent)
    {
        if (presented is null || sent is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        // What SslStream gathered from the handshake: the certificates the server sent beside its own.
        chain.ChainPolicy.ExtraStore.AddRange(sent.ChainPolicy.ExtraStore);
        return chain.Build(presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
    }

    private static async Task<string> TopLabelAsync(HttpClient client, string text)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { inputs = text }), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/predict", content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement[0].GetProperty("label").GetString()!;
    }
}
