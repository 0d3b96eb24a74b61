using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Serving;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;
using OrtAgent.Tests.Serving.Tls;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>serve</c>'s <c>--tls-certificate</c>, <c>--tls-key</c> and <c>--tls-key-password-file</c> through the command
/// line: every way the files or the addresses can be wrong is one line naming the option and file, exit 2, with nothing
/// started and the password never shown; the start line names the certificate, with warnings for what clients will
/// refuse; and a real <c>serve</c> answers over https.
/// </summary>
public sealed class ServeTlsOptionsTests : IClassFixture<ServeTlsOptionsFiles>, IDisposable
{
    internal const string Password = "correct-horse-5d1f";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Shared = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly TempDirectory _work = new();
    private readonly ServeTlsOptionsFiles _made;
    private readonly X509Certificate2 _rsa;
    private readonly Dictionary<string, string> _files = [];

    /// <summary>Each test writes the files made once for the class into a folder of its own, where it may change or add to them.</summary>
    public ServeTlsOptionsTests(ServeTlsOptionsFiles made)
    {
        _made = made;
        _rsa = made.Rsa;
        foreach (var (name, text) in made.Texts) Write(name, text);
        foreach (var (name, bytes) in made.Bytes) WriteBytes(name, bytes);
        _files["missing"] = _work.Combine("missing.pem");
        _files["folder"] = Directory.CreateDirectory(_work.Combine("folder")).FullName;
    }

    public void Dispose() => _work.Dispose();

    [Theory]
    [InlineData("--urls https://127.0.0.1:0", "--urls 'https://127.0.0.1:0': https needs a certificate: give --tls-certificate (with --tls-key, or a PKCS#12 file), or listen on http")]
    [InlineData("--urls http://127.0.0.1:0 --tls-certificate {cert} --tls-key {key}",
        "--tls-certificate '{cert}': no address in --urls is https, so no connection would use it; give an https address (https://0.0.0.0:8443), or leave the certificate out")]
    [InlineData("--tls-key {key}", "--tls-key needs --tls-certificate, the certificate it belongs to")]
    [InlineData("--tls-key-password-file {password}", "--tls-key-password-file needs --tls-certificate, the certificate it belongs to")]
    [InlineData("--tls-certificate {missing} --tls-key {key}", "--tls-certificate '{missing}': no such file")]
    [InlineData("--tls-certificate {folder} --tls-key {key}", "--tls-certificate '{folder}': is a directory; give the file")]
    [InlineData("--tls-certificate {empty} --tls-key {key}", "--tls-certificate '{empty}': is empty")]
    [InlineData("--tls-certificate {cert} --tls-key {missing}", "--tls-key '{missing}': no such file")]
    [InlineData("--tls-certificate {not-a-certificate} --tls-key {key}", "--tls-certificate '{not-a-certificate}': is neither a PEM certificate (-----BEGIN CERTIFICATE-----) nor a PKCS#12 file")]
    [InlineData("--tls-certificate {key} --tls-key {key}",
        "--tls-certificate '{key}': holds a private key but no certificate (-----BEGIN CERTIFICATE-----); give the certificate here and its key as --tls-key")]
    [InlineData("--tls-certificate {der} --tls-key {key}",
        "--tls-certificate '{der}': is a DER certificate; give it as PEM (openssl x509 -inform der -in FILE -out cert.pem) with its key, or as a PKCS#12 file")]
    [InlineData("--tls-certificate {cert}", "--tls-certificate '{cert}': holds no private key; give it as --tls-key (a PEM key), or give a PKCS#12 file that holds both")]
    [InlineData("--tls-certificate {cert} --tls-key {cert}", "--tls-key '{cert}': holds no PEM private key (-----BEGIN PRIVATE KEY-----)")]
    [InlineData("--tls-certificate {cert} --tls-key {other-key}",
        "--tls-key '{other-key}': is not the key of --tls-certificate '{cert}': their public keys differ; give the key the certificate was made for")]
    [InlineData("--tls-certificate {cert} --tls-key {ecdsa-key}", "--tls-key '{ecdsa-key}': is not the key of --tls-certificate '{cert}': the certificate is RSA and this key is ECDSA")]
    [InlineData("--tls-certificate {cert} --tls-key {encrypted-key}", "--tls-key '{encrypted-key}': is encrypted; give its password in a file as --tls-key-password-file")]
    [InlineData("--tls-certificate {cert} --tls-key {encrypted-key} --tls-key-password-file {wrong-password}",
        "--tls-key-password-file '{wrong-password}': is not the password of --tls-key '{encrypted-key}' (or the key is damaged)")]
    [InlineData("--tls-certificate {cert} --tls-key {encrypted-key} --tls-key-password-file {empty}",
        "--tls-key-password-file '{empty}': is empty; it holds the password of an encrypted key or PKCS#12 file (leave it out for one without)")]
    [InlineData("--tls-certificate {cert} --tls-key {key} --tls-key-password-file {password}",
        "--tls-key-password-file '{password}': --tls-key '{key}' is not encrypted, so it needs no password; leave the password file out")]
    [InlineData("--tls-certificate {cert} --tls-key {legacy-key} --tls-key-password-file {password}",
        "--tls-key '{legacy-key}': is encrypted the legacy OpenSSL way (Proc-Type: 4,ENCRYPTED), which cannot be read; convert it to an encrypted PKCS#8 key with: openssl pkcs8 -topk8 -in OLD.pem -out NEW.pem")]
    // The password given in place of its file: a value that names no file is not shown.
    [InlineData("--tls-certificate {cert} --tls-key {encrypted-key} --tls-key-password-file " + Password,
        "--tls-key-password-file (a value of 18 characters, not shown): no file of that name; give the path of a file that holds the password, never the password itself")]
    [InlineData("--tls-certificate {pfx}", "--tls-certificate '{pfx}': is a PKCS#12 file that needs a password (or is damaged); give it in a file as --tls-key-password-file")]
    [InlineData("--tls-certificate {pfx} --tls-key-password-file {wrong-password}",
        "--tls-key-password-file '{wrong-password}': is not the password of --tls-certificate '{pfx}' (or the file is damaged)")]
    [InlineData("--tls-certificate {pfx} --tls-key {key} --tls-key-password-file {password}",
        "--tls-key '{key}': --tls-certificate '{pfx}' is a PKCS#12 file, which holds its own key; leave the key file out")]
    [InlineData("--tls-certificate {no-key-pfx}", "--tls-certificate '{no-key-pfx}': is a PKCS#12 file without a private key; export the certificate with its key")]
    [InlineData("--tls-certificate {client-cert} --tls-key {client-key}",
        "--tls-certificate '{client-cert}': is not for servers: its extended key usage leaves out TLS server authentication (1.3.6.1.5.5.7.3.1); give a server certificate")]
    // Extensions that cannot be decoded: before 2026-12-07 "internal error: CryptographicException", exit 1.
    [InlineData("--tls-certificate {bad-usage-cert} --tls-key {bad-usage-key}",
        "--tls-certificate '{bad-usage-cert}': its extended key usage extension (2.5.29.37) cannot be read (ASN1 corrupted data.); reissue the certificate")]
    [InlineData("--tls-certificate {bad-names-cert} --tls-key {bad-names-key}",
        "--tls-certificate '{bad-names-cert}': its subject alternative name extension (2.5.29.17) cannot be read (ASN1 corrupted data.); reissue the certificate")]
    // Explicit curve parameters: before 2026-12-07 "their public keys differ".
    [InlineData("--tls-certificate {explicit-cert} --tls-key {explicit-key}",
        "--tls-certificate '{explicit-cert}': has an EC key with explicit curve parameters; only named curves (such as P-256) are supported: reissue it from a key made on a named curve (openssl ecparam -name prime256v1 -genkey, without -param_enc explicit)")]
    [InlineData("--tls-certificate {named-cert} --tls-key {explicit-key-of-named}",
        "--tls-key '{explicit-key-of-named}': is an EC key with explicit curve parameters; only named curves (such as P-256) are supported: convert it with: openssl ec -in KEY.pem -param_enc named_curve -out NEW.pem")]
    // Before 2026-12-07 a PKCS#12 file with one was served, and clients refused it.
    [InlineData("--tls-certificate {explicit-pfx} --tls-key-password-file {password}",
        "--tls-certificate '{explicit-pfx}': has an EC key with explicit curve parameters; only named curves (such as P-256) are supported: reissue it from a key made on a named curve (openssl ecparam -name prime256v1 -genkey, without -param_enc explicit)")]
    [InlineData("--fine-tuning --tls-certificate {cert} --tls-key {other-key}",
        "--tls-key '{other-key}': is not the key of --tls-certificate '{cert}': their public keys differ; give the key the certificate was made for")]
    [InlineData("--fine-tuning --urls https://127.0.0.1:0", "--urls 'https://127.0.0.1:0': https needs a certificate: give --tls-certificate (with --tls-key, or a PKCS#12 file), or listen on http")]
    public async Task EachMistakeIsOneLineNamingTheOptionAndFileAndExit2WithNothingStarted(string given, string expected)
    {
        string[] args = given.Split(' ').Select(Fill).ToArray();
        string store = _work.Combine("store");
        string[] what = args.Contains("--fine-tuning") ? ["--store", store] : ["--model", _work.Combine("m")];
        string[] urls = args.Contains("--urls") ? [] : ["--urls", "https://127.0.0.1:0"];
        // The real service: a mistake let through would start a server that runs until stopped, and fail here on its exit code.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var run = await CliRun.RunAsync(["serve", .. args, .. what, .. urls], stop.Token);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: " + Fill(expected), Assert.Single(run.ErrorLines));
        Assert.DoesNotContain(Password, run.Output + run.Error);
        Assert.False(Directory.Exists(store), "a refused start made the store");
    }

    /// <summary>A named pipe as a certificate, key or password file was opened and waited on for a writer: serve hung at start, saying nothing.</summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("--tls-certificate {fifo} --tls-key {key}", "--tls-certificate")]
    [InlineData("--tls-certificate {cert} --tls-key {fifo}", "--tls-key")]
    [InlineData("--tls-certificate {pfx} --tls-key-password-file {fifo}", "--tls-key-password-file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ACertificateFileThatIsAFifoIsRefusedAtOnce(string given, string option)
    {
        using var fifo = NotARegularFile.Create(_work.Combine("fifo.pem"), NotARegularFile.Fifo);
        _files["fifo"] = fifo.Path;
        string[] args = ["serve", .. given.Split(' ').Select(Fill), "--model", _work.Combine("m"), "--urls", "https://127.0.0.1:0"];
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // On a thread of its own: the build before blocked in the open, before any await.
        var run = await Task.Run(() => CliRun.RunAsync(args, stop.Token)).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {option} '{fifo.Path}': is not a regular file (a FIFO); give the file", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task TheStartLineNamesTheCertificateAndLoopbackHttpsWarnsOfNothing()
    {
        var run = await ReportedAsync("--model", "m", "--urls", "http://127.0.0.1:8080", "https://127.0.0.1:8443", "--tls-certificate", _files["cert"], "--tls-key", _files["key"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"serving m on http://127.0.0.1:8080, https://127.0.0.1:8443 (max batch 32, no API keys); TLS certificate 'CN=localhost', expires {Day(_rsa.NotAfter)}; Ctrl+C stops",
            run.Output);
        Assert.Equal([], run.ErrorLines);
    }

    /// <summary>Clients refuse these, but a renewal on its way is read without a restart, and a client may use another name: said, not refused.</summary>
    [Theory]
    [InlineData("expired")]
    [InlineData("not-yet-valid")]
    [InlineData("other-name")]
    public async Task WhatClientsWillRefuseIsAWarningAndTheServerStarts(string problem)
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = problem switch
        {
            "expired" => TestCertificates.SelfSigned(notBefore: now.AddDays(-40), notAfter: now.AddDays(-10)),
            "not-yet-valid" => TestCertificates.SelfSigned(notBefore: now.AddDays(10), notAfter: now.AddDays(40)),
            _ => TestCertificates.SelfSigned(name: "api.example.test"),
        };
        string file = Write(problem, TestCertificates.CertificatePem(certificate) + TestCertificates.KeyPem(certificate));

        var run = await ReportedAsync("--fine-tuning", "--store", _work.Combine("store"), "--urls", "https://localhost:8443", "--tls-certificate", file);

        Assert.True(run.ExitCode == 0, run.ToString());
        string named = $"warning: --tls-certificate '{file}' ('{certificate.Subject}')";
        Assert.Equal(problem switch
        {
            "expired" => $"{named} expired on {Day(certificate.NotAfter)}: clients will refuse it; renew it (new files are read without a restart)",
            "not-yet-valid" => $"{named} is not valid until {Day(certificate.NotBefore)}: clients will refuse it until then (is this machine's clock right?)",
            _ => $"{named} is not for localhost (it names api.example.test, 127.0.0.1): clients that check names will refuse it there",
        }, Assert.Single(run.ErrorLines));
    }

    /// <summary>A wildcard address names no host to judge the certificate by; without keys it is warned of as on http.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AWildcardHttpsAddressIsWarnedOfOnlyWithoutKeys(bool keys)
    {
        using var certificate = TestCertificates.SelfSigned(name: "api.example.test");
        string file = Write("api", TestCertificates.CertificatePem(certificate) + TestCertificates.KeyPem(certificate));

        var run = await ReportedAsync(["--model", "m", "--urls", "https://0.0.0.0:8443", "--tls-certificate", file, .. keys ? new[] { "--api-key", "k-5e1" } : []]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(keys ? [] : ["warning: https://0.0.0.0:8443 is not a loopback address and no API key is set: anyone who can reach it can classify and explain texts with the model and read its details; "
            + "give --api-key, --api-key-file or ORTAGENT_API_KEYS (or the inference-key options)"], run.ErrorLines);
    }

    /// <summary>
    /// A file holding the private key, or its password, that other users may read gives them the key: warned at start as
    /// an API key file is, naming the option, the file and the chmod (before 2026-12-07 nothing was said). The
    /// certificate alone is public and not judged; a link is judged by the file it points to.
    /// </summary>
    [Theory]
    [InlineData("pem")]
    [InlineData("key-in-certificate-pem")]
    [InlineData("pkcs12")]
    [InlineData("linked-pem")]
    public async Task KeyAndPasswordFilesOthersMayReadAreWarnedOf(string kind)
    {
        if (OperatingSystem.IsWindows()) return;
        string certificate = Write($"{kind}-cert", TestCertificates.CertificatePem(_rsa) + (kind == "key-in-certificate-pem" ? TestCertificates.KeyPem(_rsa) : ""), Shared);
        string key = Write($"{kind}-key", _made.Texts["encrypted-key"], kind == "linked-pem" ? OwnerOnly : Shared);
        string password = Write($"{kind}-password", Password + "\n", kind == "pem" ? OwnerOnly | UnixFileMode.GroupRead : OwnerOnly);
        if (kind == "linked-pem")
        {
            string link = _work.Combine("linked-key.pem");
            File.CreateSymbolicLink(link, key);
            key = link;
        }
        string pkcs12 = WriteBytes("shared-pfx", _made.Bytes["pfx"], Shared);
        string[] files = kind switch
        {
            "key-in-certificate-pem" => ["--tls-certificate", certificate],
            "pkcs12" => ["--tls-certificate", pkcs12, "--tls-key-password-file", password],
            _ => ["--tls-certificate", certificate, "--tls-key", key, "--tls-key-password-file", password],
        };

        var run = await ReportedAsync(["--model", "m", "--urls", "https://127.0.0.1:8443", .. files]);

        Assert.True(run.ExitCode == 0, run.ToString());
        static string Warning(string flag, string path, string mode, string secret) =>
            $"warning: {flag} {path} is open to other users of this machine ({mode}): they can read {secret}; make it yours alone with chmod 600 {path}";
        Assert.Equal(kind switch
        {
            "pem" => [Warning("--tls-key", key, "rw-r--r--", "its private key"), Warning("--tls-key-password-file", password, "rw-r-----", "its password")],
            "key-in-certificate-pem" => [Warning("--tls-certificate", certificate, "rw-r--r--", "its private key")],
            "pkcs12" => [Warning("--tls-certificate", pkcs12, "rw-r--r--", "its private key")],
            _ => [],
        }, run.ErrorLines);
    }

    /// <summary>The whole way: <c>serve</c> in this process on https with an encrypted key, called by a client that trusts exactly its certificate.</summary>
    [Fact]
    public async Task ServeAnswersOverHttpsWithAnEncryptedKeyAndStopsOnCtrlC()
    {
        string model = _work.Combine("model");
        ToyClassifierModel.Write(model, ToyClassifierModel.Sentiment);
        string[] args = ["serve", "--model", model, "--threads", "1", "--urls", "https://127.0.0.1:0",
            "--tls-certificate", _files["cert"], "--tls-key", _files["encrypted-key"], "--tls-key-password-file", _files["password"]];

        string? label = null;
        var run = await CliRun.RunWhileAsync(args, "Ctrl+C stops", async output =>
        {
            var address = new Uri(Regex.Match(output, @"on (https://127\.0\.0\.1:\d+) ").Groups[1].Value);
            using var client = PinnedHttpsClient.Create(address, _rsa);
            using (var health = await client.GetAsync("/health"))
                Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
            using var response = await client.PostAsync("/predict", new StringContent("{\"inputs\": \"the pizza was excellent\"}", System.Text.Encoding.UTF8, "application/json"));
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            label = json.RootElement[0].GetProperty("label").GetString();
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("positive", label);
        Assert.Contains($"TLS certificate 'CN=localhost', expires {Day(_rsa.NotAfter)}; Ctrl+C stops", run.Output);
        Assert.DoesNotContain(Password, run.Output + run.Error);
    }

    private static Task<CliRun> ReportedAsync(params string[] args) =>
        CliRun.RunAsync(["serve", .. args], configureServices: services => services.AddSingleton<IServingService>(new ReportingOnlyService()));

    private static string Day(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><paramref name="text"/> with each <c>{name}</c> replaced by the path of that test file.</summary>
    private string Fill(string text) => Regex.Replace(text, @"\{([a-z-]+)\}", match => _files[match.Groups[1].Value]);

    // The owner's alone unless told otherwise, as a key should be: files others may read are warned of.
    private string Write(string name, string text, UnixFileMode mode = OwnerOnly)
    {
        _files[name] = _work.Write(name + ".pem", text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_files[name], mode);
        return _files[name];
    }

    private string WriteBytes(string name, byte[] bytes, UnixFileMode mode = OwnerOnly)
    {
        _files[name] = _work.Combine(name + ".bin");
        File.WriteAllBytes(_files[name], bytes);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_files[name], mode);
        return _files[name];
    }
}

/// <summary>
/// The certificates, keys and password files <see cref="ServeTlsOptionsTests"/> reads, made once for the class: three
/// RSA keys, the EC ones and the password-protected PEM and PKCS#12 files took seconds to make again for each of its 47
/// tests. Read-only: a test writes them out into its own folder (<see cref="Texts"/> as <c>NAME.pem</c>,
/// <see cref="Bytes"/> as <c>NAME.bin</c>).
/// </summary>
public sealed class ServeTlsOptionsFiles : IDisposable
{
    public ServeTlsOptionsFiles()
    {
        const string Password = ServeTlsOptionsTests.Password;
        Rsa = TestCertificates.SelfSigned();
        using var otherRsa = TestCertificates.SelfSigned();
        using var ecdsa = TestCertificates.SelfSigned(ecdsa: true);
        using var clientOnly = TestCertificates.SelfSigned(clientOnly: true);
        using var publicOnly = X509CertificateLoader.LoadCertificate(Rsa.RawData);
        using var badUsage = TestCertificates.WithMalformedExtension("2.5.29.37");
        using var badNames = TestCertificates.WithMalformedExtension("2.5.29.17");
        var (explicitCertificate, explicitKey) = TestCertificates.ExplicitCurve(namedCertificate: false);
        var (namedCertificate, explicitKeyOfNamed) = TestCertificates.ExplicitCurve(namedCertificate: true);
        Texts = new Dictionary<string, string>
        {
            ["cert"] = TestCertificates.CertificatePem(Rsa),
            ["key"] = TestCertificates.KeyPem(Rsa),
            ["other-key"] = TestCertificates.KeyPem(otherRsa),
            ["ecdsa-key"] = TestCertificates.KeyPem(ecdsa),
            ["encrypted-key"] = TestCertificates.EncryptedKeyPem(Rsa, Password),
            ["password"] = Password + "\n",
            ["wrong-password"] = "not-" + Password + "\n",
            ["empty"] = "",
            ["not-a-certificate"] = "hello, this is not a certificate\n",
            ["legacy-key"] = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            ["client-cert"] = TestCertificates.CertificatePem(clientOnly),
            ["client-key"] = TestCertificates.KeyPem(clientOnly),
            ["bad-usage-cert"] = TestCertificates.CertificatePem(badUsage),
            ["bad-usage-key"] = TestCertificates.KeyPem(badUsage),
            ["bad-names-cert"] = TestCertificates.CertificatePem(badNames),
            ["bad-names-key"] = TestCertificates.KeyPem(badNames),
            ["explicit-cert"] = explicitCertificate,
            ["explicit-key"] = explicitKey,
            ["named-cert"] = namedCertificate,
            ["explicit-key-of-named"] = explicitKeyOfNamed,
        };
        Bytes = new Dictionary<string, byte[]>
        {
            ["der"] = Rsa.RawData,
            ["pfx"] = TestCertificates.Pkcs12(Rsa, Password),
            ["no-key-pfx"] = TestCertificates.Pkcs12(publicOnly, password: null),
            ["explicit-pfx"] = TestCertificates.ExplicitCurvePkcs12(Password),
        };
    }

    /// <summary>The server certificate (CN=localhost) with its key, which <c>cert</c>, <c>key</c>, <c>encrypted-key</c>, <c>der</c> and <c>pfx</c> hold.</summary>
    public X509Certificate2 Rsa { get; }

    public IReadOnlyDictionary<string, string> Texts { get; }

    public IReadOnlyDictionary<string, byte[]> Bytes { get; }

    public void Dispose() => Rsa.Dispose();
}
