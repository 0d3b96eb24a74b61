using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using OrtAgent.Serving.Tls;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Serving.Tls;

/// <summary>
/// A certificate renewed on disk (as an ACME client renews it) is what new connections get once the files' check comes
/// round, without a restart; files that do not load keep the certificate served, with one warning. The check's clock
/// is moved by hand, so nothing waits on time.
/// </summary>
public sealed class CertificateReloadTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _files = new("tls-reload");
    private readonly ManualClock _clock = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task RenewedFilesAreServedToNewConnectionsOnceTheCheckComesRound()
    {
        using var first = TestCertificates.SelfSigned();
        using var renewed = TestCertificates.SelfSigned(ecdsa: true);
        var files = Write(first, "cert.pem", "key.pem");
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: files));
        Assert.Equal(first.Thumbprint, await PresentedAsync(server));

        Replace(files, renewed);
        // Checked at most once an interval: until it has passed, the files are not looked at.
        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(first.Thumbprint, await PresentedAsync(server));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(renewed.Thumbprint, await PresentedAsync(server));

        Assert.Contains(server.Logs.Lines, line => line.StartsWith("Information OrtAgent.Serving.Tls.ReloadingServerCertificate: the TLS certificate files changed: new connections get 'CN=localhost'", StringComparison.Ordinal)
            && line.EndsWith($"(thumbprint {renewed.Thumbprint})", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FilesThatDoNotLoadKeepTheCertificateServedWithOneWarningUntilTheyChangeAgain()
    {
        using var first = TestCertificates.SelfSigned();
        using var other = TestCertificates.SelfSigned(name: "other.test");
        using var renewed = TestCertificates.SelfSigned();
        var files = Write(first, "cert.pem", "key.pem");
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: files));

        // A new certificate whose key is not written yet: the old key does not match it.
        File.WriteAllText(files.CertificateFile, TestCertificates.CertificatePem(other));
        Later(files.CertificateFile);
        for (int check = 0; check < 3; check++)
        {
            _clock.Advance(Interval);
            Assert.Equal(first.Thumbprint, await PresentedAsync(server));
        }
        var warning = Assert.Single(server.Logs.Lines, line => line.StartsWith("Warning OrtAgent.Serving.Tls.ReloadingServerCertificate:", StringComparison.Ordinal));
        Assert.Equal("Warning OrtAgent.Serving.Tls.ReloadingServerCertificate: the TLS certificate files changed but do not load, so new connections still get "
            + $"'CN=localhost', expires {first.NotAfter.ToUniversalTime():yyyy-MM-dd}: --tls-key '{files.KeyFile}': is not the key of --tls-certificate '{files.CertificateFile}': "
            + "their public keys differ; give the key the certificate was made for", warning);

        Replace(files, renewed);
        _clock.Advance(Interval);
        Assert.Equal(renewed.Thumbprint, await PresentedAsync(server));
    }

    /// <summary>
    /// A certificate whose extended key usage cannot be decoded: before 2026-12-07 its load threw what the reload did not
    /// catch, so the first handshake after each check failed, for as long as the files stayed so.
    /// </summary>
    [Fact]
    public async Task FilesWhoseCertificateCannotBeDecodedKeepTheCertificateServedWithOneWarning()
    {
        using var first = TestCertificates.SelfSigned();
        using var malformed = TestCertificates.WithMalformedExtension("2.5.29.37");
        var files = Write(first, "cert.pem", "key.pem");
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: files));

        Replace(files, malformed);
        for (int check = 0; check < 3; check++)
        {
            _clock.Advance(Interval);
            Assert.Equal(first.Thumbprint, await PresentedAsync(server));
        }

        var warning = Assert.Single(server.Logs.Lines, line => line.StartsWith("Warning OrtAgent.Serving.Tls.ReloadingServerCertificate:", StringComparison.Ordinal));
        Assert.EndsWith($": --tls-certificate '{files.CertificateFile}': its extended key usage extension (2.5.29.37) cannot be read (ASN1 corrupted data.); reissue the certificate", warning);
        Assert.DoesNotContain(server.Logs.Lines, line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal));
    }

    /// <summary>
    /// A PKCS#12 file renewed into one whose certificate's curve is written out as explicit parameters: before 2026-12-07
    /// it was served (only PEM was refused), and clients refused the server.
    /// </summary>
    [Fact]
    public async Task APkcs12FileWithExplicitCurveParametersKeepsTheCertificateServedWithOneWarning()
    {
        using var first = TestCertificates.SelfSigned(ecdsa: true);
        var files = new ServerCertificateOptions { CertificateFile = _files.Combine("server.pfx"), CheckInterval = Interval, Clock = _clock };
        File.WriteAllBytes(files.CertificateFile, TestCertificates.Pkcs12(first, password: null));
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: files));

        File.WriteAllBytes(files.CertificateFile, TestCertificates.ExplicitCurvePkcs12(password: null));
        Later(files.CertificateFile);
        for (int check = 0; check < 3; check++)
        {
            _clock.Advance(Interval);
            Assert.Equal(first.Thumbprint, await PresentedAsync(server));
        }

        var warning = Assert.Single(server.Logs.Lines, line => line.StartsWith("Warning OrtAgent.Serving.Tls.ReloadingServerCertificate:", StringComparison.Ordinal));
        Assert.EndsWith($": --tls-certificate '{files.CertificateFile}': has an EC key with explicit curve parameters; only named curves (such as P-256) are supported: "
            + "reissue it from a key made on a named curve (openssl ecparam -name prime256v1 -genkey, without -param_enc explicit)", warning);
    }

    /// <summary>
    /// Files that change often (configuration management switching between two certificates) are reloaded each time:
    /// before 2026-12-07 every certificate replaced was kept for the life of the server. One is kept for
    /// <see cref="ReloadingServerCertificate.ReplacedKeptFor"/> after it was replaced, for a handshake that took it, and disposed after.
    /// </summary>
    [Fact]
    public void ReplacedCertificatesAreDisposedOnceNoHandshakeCanStillUseThem()
    {
        using var one = TestCertificates.SelfSigned(ecdsa: true);
        using var other = TestCertificates.SelfSigned(ecdsa: true);
        var files = Write(one, "cert.pem", "key.pem");
        using var reloading = ReloadingServerCertificate.Load(files);
        var served = new List<ServerCertificate> { reloading.Current };
        const int Reloads = 40;
        for (int reload = 0; reload < Reloads; reload++)
        {
            Replace(files, reload % 2 == 0 ? other : one);
            _clock.Advance(Interval);
            served.Add(reloading.ForNewConnection());
            Assert.NotSame(served[^2], served[^1]);
        }

        // Replaced at most ReplacedKeptFor ago: still kept, as is the one served; all those before, disposed.
        int kept = (int)(ReloadingServerCertificate.ReplacedKeptFor / Interval);
        Assert.All(served[^(kept + 1)..], one => Assert.NotEqual(IntPtr.Zero, one.Certificate.Handle));
        Assert.All(served[..^(kept + 1)], one => Assert.Equal(IntPtr.Zero, one.Certificate.Handle));
        Assert.Equal(Reloads - kept, served.Count(one => one.Certificate.Handle == IntPtr.Zero));
    }

    /// <summary>
    /// Files rewritten with the bytes they held (certbot touching them, a deploy tool copying the same files again) are
    /// told apart by content: the certificate served stays, the same one, not disposed, and nothing is logged. Before
    /// 2026-12-07 each such rewrite was a full reload, logged as a renewal.
    /// </summary>
    [Fact]
    public void FilesRewrittenWithTheSameBytesKeepTheCertificateServedAsItIs()
    {
        using var first = TestCertificates.SelfSigned();
        using var renewed = TestCertificates.SelfSigned(ecdsa: true);
        var files = Write(first, "cert.pem", "key.pem");
        using var logs = new RecordingLoggerProvider();
        using var reloading = ReloadingServerCertificate.Load(files);
        reloading.Attach(new HttpsConnectionAdapterOptions(), logs.CreateLogger(nameof(ReloadingServerCertificate)));
        var served = reloading.Current;

        for (int rewrite = 0; rewrite < 3; rewrite++)
        {
            Replace(files, first);
            _clock.Advance(Interval);
            Assert.Same(served, reloading.ForNewConnection());
        }

        Assert.NotEqual(IntPtr.Zero, served.Certificate.Handle);
        Assert.Equal([], logs.Lines);
        // A change of content is still a renewal.
        Replace(files, renewed);
        _clock.Advance(Interval);
        Assert.Equal(renewed.Thumbprint, reloading.ForNewConnection().Certificate.Thumbprint);
        Assert.Single(logs.Lines);
    }

    /// <summary>
    /// A renewed key the server could not read (written with mode 0000 by a tool run as another user), mended with
    /// <c>chmod</c>: the mend leaves the write time and length as they were, so before 2026-12-07 the files were not
    /// looked at again until the next renewal. Tests run as root, which reads any mode, so the refused key here is a
    /// wrong one, and the mend writes the right one at the same length and write time: only the mode tells it.
    /// </summary>
    [UnixFact("file permissions")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AKeyMendedByChmodAloneIsReadAgainAtTheNextCheck()
    {
        using var first = TestCertificates.SelfSigned(ecdsa: true);
        using var renewed = TestCertificates.SelfSigned(ecdsa: true);
        using var stranger = TestCertificates.SelfSigned(ecdsa: true);
        var files = Write(first, "cert.pem", "key.pem");
        string mended = _files.Write("mended-key.pem", TestCertificates.KeyPem(renewed));
        using var logs = new RecordingLoggerProvider();
        using var reloading = ReloadingServerCertificate.Load(files);
        reloading.Attach(new HttpsConnectionAdapterOptions(), logs.CreateLogger(nameof(ReloadingServerCertificate)));

        File.WriteAllText(files.CertificateFile, TestCertificates.CertificatePem(renewed));
        File.WriteAllText(files.KeyFile!, TestCertificates.KeyPem(stranger));
        Later(files.CertificateFile);
        Later(files.KeyFile!);
        File.SetUnixFileMode(files.KeyFile!, UnixFileMode.None);
        _clock.Advance(Interval);
        Assert.Equal(first.Thumbprint, reloading.ForNewConnection().Certificate.Thumbprint);

        SameLengthAndTime(files.KeyFile!, mended);
        File.Copy(mended, files.KeyFile!, overwrite: true);
        File.SetLastWriteTimeUtc(files.KeyFile!, File.GetLastWriteTimeUtc(mended));
        File.SetUnixFileMode(files.KeyFile!, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _clock.Advance(Interval);

        Assert.Equal(renewed.Thumbprint, reloading.ForNewConnection().Certificate.Thumbprint);
    }

    /// <summary>
    /// certbot renews by writing new files under <c>archive/</c> and re-pointing the links under <c>live/</c>: the files
    /// named keep their own write times, and only the links' targets tell the renewal.
    /// </summary>
    [UnixFact("symbolic links as certbot makes them")]
    public async Task ALinkRePointedAtNewFilesIsARenewal()
    {
        using var first = TestCertificates.SelfSigned();
        using var renewed = TestCertificates.SelfSigned(ecdsa: true);
        Directory.CreateDirectory(_files.Combine("archive"));
        Directory.CreateDirectory(_files.Combine("live"));
        var archived = new[] { (first, 1), (renewed, 2) }.Select(pair => Write(pair.Item1, Path.Combine("archive", $"fullchain{pair.Item2}.pem"), Path.Combine("archive", $"privkey{pair.Item2}.pem"))).ToList();
        // The new files as long as the old and written at the same time: only the links' targets tell them apart.
        SameLengthAndTime(archived[0].CertificateFile, archived[1].CertificateFile);
        SameLengthAndTime(archived[0].KeyFile!, archived[1].KeyFile!);
        var live = new ServerCertificateOptions
        {
            CertificateFile = Link("live/fullchain.pem", "../archive/fullchain1.pem"),
            KeyFile = Link("live/privkey.pem", "../archive/privkey1.pem"),
            CheckInterval = Interval,
            Clock = _clock,
        };
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: live));
        Assert.Equal(first.Thumbprint, await PresentedAsync(server));

        Link("live/fullchain.pem", "../archive/fullchain2.pem");
        Link("live/privkey.pem", "../archive/privkey2.pem");
        _clock.Advance(Interval);

        Assert.Equal(renewed.Thumbprint, await PresentedAsync(server));
    }

    /// <summary>A file rewritten behind a link that stays as it is: the target's write time, not the link's, tells the renewal.</summary>
    [UnixFact("symbolic links")]
    public async Task AFileRewrittenBehindAnUnchangedLinkIsARenewal()
    {
        using var first = TestCertificates.SelfSigned();
        using var renewed = TestCertificates.SelfSigned(ecdsa: true);
        var target = Write(first, "fullchain.pem", "privkey.pem");
        var linked = new ServerCertificateOptions
        {
            CertificateFile = Link("cert-link.pem", "fullchain.pem"),
            KeyFile = Link("key-link.pem", "privkey.pem"),
            CheckInterval = Interval,
            Clock = _clock,
        };
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, certificate: linked));
        Assert.Equal(first.Thumbprint, await PresentedAsync(server));

        Replace(target, renewed);
        _clock.Advance(Interval);

        Assert.Equal(renewed.Thumbprint, await PresentedAsync(server));
    }

    private static Task<string> PresentedAsync(ServerUnderTest server) => PinnedHttpsClient.PresentedThumbprintAsync(server.BaseAddress);

    private ServerCertificateOptions Write(X509Certificate2 certificate, string certificateName, string keyName) => new()
    {
        CertificateFile = _files.Write(certificateName, TestCertificates.CertificatePem(certificate)),
        KeyFile = _files.Write(keyName, TestCertificates.KeyPem(certificate)),
        CheckInterval = Interval,
        Clock = _clock,
    };

    /// <summary>Writes <paramref name="certificate"/> over the files, with write times later than before, as a renewal's are.</summary>
    private static void Replace(ServerCertificateOptions files, X509Certificate2 certificate)
    {
        File.WriteAllText(files.CertificateFile, TestCertificates.CertificatePem(certificate));
        File.WriteAllText(files.KeyFile!, TestCertificates.KeyPem(certificate));
        Later(files.CertificateFile);
        Later(files.KeyFile!);
    }

    /// <summary>Pads the shorter PEM file with line breaks (outside its blocks) to the other's length, and gives both one write time.</summary>
    private static void SameLengthAndTime(string one, string other)
    {
        long length = Math.Max(new FileInfo(one).Length, new FileInfo(other).Length);
        foreach (var path in new[] { one, other })
            File.AppendAllText(path, new string('\n', (int)(length - new FileInfo(path).Length)));
        var time = File.GetLastWriteTimeUtc(one);
        File.SetLastWriteTimeUtc(other, time);
        Assert.Equal(new FileInfo(one).Length, new FileInfo(other).Length);
    }

    // A file system that keeps whole seconds would give a file rewritten within the second its old write time.
    private static void Later(string path) => File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(2));

    /// <summary>Points the link <paramref name="name"/> at <paramref name="target"/>, replacing it as <c>ln -sfn</c> does.</summary>
    private string Link(string name, string target)
    {
        string path = _files.Combine(name);
        File.Delete(path);
        File.CreateSymbolicLink(path, target);
        return path;
    }
}
