using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving.Tls;

/// <summary>
/// One certificate as read from the files of <see cref="ServerCertificateOptions"/>: the certificate with its private
/// key, its chain, and the TLS context that presents both to clients (built once, not per connection). Disposing it
/// disposes the certificates.
/// </summary>
internal sealed class ServerCertificate : IDisposable
{
    private ServerCertificate(X509Certificate2 certificate, X509Certificate2Collection chain, SslStreamCertificateContext context, byte[] contentDigest)
    {
        Certificate = certificate;
        Chain = chain;
        Context = context;
        ContentDigest = contentDigest;
    }

    /// <summary>The server's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificates that followed it in the file (its intermediates), sent to clients with it.</summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>What a TLS handshake presents.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>The digest of the files' bytes it was read from (<see cref="ServerCertificateFiles.ContentDigest"/>).</summary>
    public byte[] ContentDigest { get; }

    /// <summary>Reads the certificate the files hold now.</summary>
    /// <exception cref="InvalidOptionException">A file cannot be read or does not hold a usable certificate and key; it names the option and file.</exception>
    public static ServerCertificate Load(ServerCertificateOptions options)
    {
        var (certificate, chain, contentDigest) = ServerCertificateFiles.Read(options);
        try
        {
            // Offline: the chain is what the file holds (a full chain), not what a lookup on the network would add.
            return new ServerCertificate(certificate, chain, SslStreamCertificateContext.Create(certificate, chain, offline: true), contentDigest);
        }
        catch (CryptographicException ex)
        {
            certificate.Dispose();
            foreach (var link in chain) link.Dispose();
            throw ServerCertificateOptions.Invalid(nameof(options.CertificateFile), options.CertificateFile, $"cannot be presented in TLS: {ex.Message}", ex);
        }
    }

    /// <summary>Its subject and expiry, as the start line and the log name it: <c>'CN=example.com', expires 2027-03-01</c>.</summary>
    public string Describe() => $"{PrintableText.Quote(Certificate.Subject)}, expires {Day(Certificate.NotAfter)}";

    /// <summary>
    /// What clients will object to, worded for the operator: the certificate expired or not yet valid at
    /// <paramref name="now"/>, or its names leaving out the host of one of <paramref name="urls"/>' https addresses (a
    /// wildcard address such as <c>0.0.0.0</c> names no host, so it is not judged). Warnings, not errors: the server still
    /// starts, since a renewal on its way is read without a restart, and a client may reach it by another name.
    /// </summary>
    public IEnumerable<string> Warnings(ServerCertificateOptions options, IEnumerable<string> urls, DateTimeOffset now)
    {
        string named = $"{ServerCertificateOptions.Name(nameof(options.CertificateFile))} '{options.CertificateFile}' ({PrintableText.Quote(Certificate.Subject)})";
        if (now.UtcDateTime > Certificate.NotAfter.ToUniversalTime())
            yield return $"{named} expired on {Day(Certificate.NotAfter)}: clients will refuse it; renew it (new files are read without a restart)";
        else if (now.UtcDateTime < Certificate.NotBefore.ToUniversalTime())
            yield return $"{named} is not valid until {Day(Certificate.NotBefore)}: clients will refuse it until then (is this machine's clock right?)";
        foreach (var host in urls.Select(HttpsHost).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
            if (!Certificate.MatchesHostname(host))
                yield return $"{named} is not for {host} (it names {Names()}): clients that check names will refuse it there";
    }

    /// <summary>The names the certificate is for: its DNS and IP subject alternative names, or its common name when it has none.</summary>
    private string Names()
    {
        var names = Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(san => san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString()))).ToList();
        return names.Count > 0 ? string.Join(", ", names) : Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } common ? common : "no host";
    }

    /// <summary>The host an https address is reached by, or null for another scheme or an address that names none (a wildcard, a socket).</summary>
    private static string? HttpsHost(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }
        if (address.Scheme != "https" || address.IsUnixPipe || address.IsNamedPipe) return null;
        string host = address.Host.Trim('[', ']');
        return host is "*" or "+" or "0.0.0.0" or "::" ? null : host;
    }

    private static string Day(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var link in Chain) link.Dispose();
    }
}
