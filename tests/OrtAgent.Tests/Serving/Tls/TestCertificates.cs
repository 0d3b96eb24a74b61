using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrtAgent.Tests.Serving.Tls;

/// <summary>
/// Certificates made in the test with <see cref="CertificateRequest"/>: self-signed server certificates (RSA or ECDSA)
/// for localhost and 127.0.0.1, a root signing an intermediate signing a server certificate, and the PEM, encrypted PEM
/// and PKCS#12 files <c>serve</c> reads.
/// </summary>
internal static class TestCertificates
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1", ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>A self-signed server certificate with its key, valid from yesterday for 30 days unless told otherwise.</summary>
    public static X509Certificate2 SelfSigned(string name = "localhost", bool ecdsa = false, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null,
        bool clientOnly = false)
    {
        using var key = NewKey(ecdsa);
        var request = Request($"CN={name}", key, ecdsa);
        AddServerExtensions(request, name, clientOnly);
        var from = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
        return request.CreateSelfSigned(from, notAfter ?? from.AddDays(30));
    }

    /// <summary>A root (kept by the client), an intermediate it signed, and a server certificate the intermediate signed, with its key.</summary>
    public static (X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Server) Chain()
    {
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = Request("CN=OrtAgent Test Root", rootKey, ecdsa: true);
        AddAuthorityExtensions(rootRequest);
        var root = rootRequest.CreateSelfSigned(from, from.AddDays(60));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = Request("CN=OrtAgent Test Intermediate", intermediateKey, ecdsa: true);
        AddAuthorityExtensions(intermediateRequest);
        using var intermediatePublic = intermediateRequest.Create(root, from, from.AddDays(50), [1]);
        var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = Request("CN=localhost", serverKey, ecdsa: true);
        AddServerExtensions(serverRequest, "localhost", clientOnly: false);
        using var serverPublic = serverRequest.Create(intermediate, from, from.AddDays(40), [2]);
        return (root, intermediate, serverPublic.CopyWithPrivateKey(serverKey));
    }

    /// <summary>
    /// A self-signed ECDSA server certificate with its key, whose extension <paramref name="oid"/> is an ASN.1 NULL instead
    /// of what it should hold, as <c>openssl req -addext "extendedKeyUsage=DER:05:00"</c> makes it.
    /// </summary>
    public static X509Certificate2 WithMalformedExtension(string oid)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request("CN=localhost", key, ecdsa: true);
        request.CertificateExtensions.Add(new X509Extension(oid, [0x05, 0x00], critical: false));
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        return request.CreateSelfSigned(from, from.AddDays(30));
    }

    /// <summary>
    /// A self-signed ECDSA server certificate and its PKCS#8 key, the key's curve written out as explicit parameters rather
    /// than named (as <c>-pkeyopt ec_param_enc:explicit</c> writes it); the certificate's too unless <paramref name="namedCertificate"/>.
    /// </summary>
    public static (string CertificatePem, string KeyPem) ExplicitCurve(bool namedCertificate)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var explicitKey = ECDsa.Create(key.ExportExplicitParameters(includePrivateParameters: true));
        // CertificateRequest takes no key on an explicit curve: the certificate is built from the public key as written out,
        // and signed by the same key on its named curve.
        var publicKey = namedCertificate ? new PublicKey(key) : PublicKey.CreateFromSubjectPublicKeyInfo(explicitKey.ExportSubjectPublicKeyInfo(), out _);
        var request = new CertificateRequest(new X500DistinguishedName("CN=localhost"), publicKey, HashAlgorithmName.SHA256);
        AddServerExtensions(request, "localhost", clientOnly: false);
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), from, from.AddDays(30), [1]);
        return (CertificatePem(certificate), explicitKey.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>
    /// A PKCS#12 file protected by <paramref name="password"/> holding a self-signed ECDSA server certificate whose key's
    /// curve is written out as explicit parameters (<see cref="ExplicitCurve"/>), with its private key.
    /// </summary>
    public static byte[] ExplicitCurvePkcs12(string? password)
    {
        var (certificatePem, keyPem) = ExplicitCurve(namedCertificate: false);
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        using var explicitKey = ECDsa.Create();
        explicitKey.ImportFromPem(keyPem);
        // OpenSSL reads the certificate's key on its named curve, so it pairs with the same key on the named curve only.
        var parameters = explicitKey.ExportParameters(includePrivateParameters: true);
        using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = parameters.Q, D = parameters.D });
        using var withKey = certificate.CopyWithPrivateKey(key);
        return Pkcs12(withKey, password);
    }

    /// <summary>The certificate as PEM, without its key.</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>The certificate's private key as unencrypted PKCS#8 PEM.</summary>
    public static string KeyPem(X509Certificate2 certificate) => Key(certificate).ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>The certificate's private key as encrypted PKCS#8 PEM (<c>ENCRYPTED PRIVATE KEY</c>).</summary>
    public static string EncryptedKeyPem(X509Certificate2 certificate, string password) =>
        Key(certificate).ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)) + "\n";

    /// <summary>The certificate (with its key when it has one) as a PKCS#12 file protected by <paramref name="password"/>.</summary>
    public static byte[] Pkcs12(X509Certificate2 certificate, string? password) => certificate.Export(X509ContentType.Pkcs12, password);

    private static AsymmetricAlgorithm Key(X509Certificate2 certificate) =>
        (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("the certificate has no private key", nameof(certificate));

    private static AsymmetricAlgorithm NewKey(bool ecdsa) => ecdsa ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(2048);

    private static CertificateRequest Request(string subject, AsymmetricAlgorithm key, bool ecdsa) => ecdsa
        ? new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256)
        : new CertificateRequest(subject, (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private static void AddServerExtensions(CertificateRequest request, string name, bool clientOnly)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(clientOnly ? ClientAuthentication : ServerAuthentication)], false));
    }

    private static void AddAuthorityExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
    }
}
