using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OrtAgent.Runtime;

namespace OrtAgent.Serving.Tls;

/// <summary>
/// Reads the files of <see cref="ServerCertificateOptions"/> into a certificate with its private key and the chain sent
/// with it. Each way the files can be wrong is an <see cref="InvalidOptionException"/> naming the option and file at fault
/// and what to do; no password, and no byte of a key, is ever part of a message.
/// </summary>
internal static class ServerCertificateFiles
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1", RsaKey = "1.2.840.113549.1.1.1", EcKey = "1.2.840.10045.2.1";
    private const string EncryptedKeyLabel = "ENCRYPTED PRIVATE KEY";
    // The DER tag of an OBJECT IDENTIFIER: an EC key's algorithm parameters that are a named curve's OID, not the curve written out.
    private const byte NamedCurveTag = 0x06;
    private static readonly string[] KeyLabels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", EncryptedKeyLabel];

    /// <summary>
    /// The certificate, with its private key, and the certificates after it (its chain), as the files hold them now, with
    /// the <see cref="ContentDigest"/> of the bytes they were read from.
    /// </summary>
    /// <exception cref="InvalidOptionException">A file cannot be read, or does not hold what it should.</exception>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain, byte[] ContentDigest) Read(ServerCertificateOptions options)
    {
        options.Validate();
        using var contents = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] bytes = ReadAll(nameof(options.CertificateFile), options.CertificateFile, contents);
        string? password = options.PasswordFile is { } passwordFile ? ReadPassword(passwordFile, contents) : null;
        string text = Encoding.UTF8.GetString(bytes);
        var (certificate, chain) = text.Contains("-----BEGIN ", StringComparison.Ordinal)
            ? FromPem(options, text, password, contents)
            : FromPkcs12(options, bytes, password);
        try
        {
            RefuseExtensionsServersCannotUse(options, certificate);
            // On Windows, SslStream cannot use a key imported from PEM (an ephemeral key): the key is carried over into a
            // PKCS#12 blob and loaded back, as Kestrel does for its own PEM certificates.
            return (OperatingSystem.IsWindows() ? Persisted(certificate) : certificate, chain, contents.GetHashAndReset());
        }
        catch
        {
            certificate.Dispose();
            foreach (var link in chain) link.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A digest of what the files hold now, as <see cref="Read"/> digests the bytes it reads (the certificate file, then the
    /// password file, then the key file, those given), so that files rewritten with the bytes a certificate was read from
    /// are told from a change without loading them; null when one cannot be read, which only a load can tell the reason of.
    /// </summary>
    public static byte[]? ContentDigest(ServerCertificateOptions options)
    {
        using var contents = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in new[] { options.CertificateFile, options.PasswordFile, options.KeyFile }.OfType<string>())
        {
            // Not opened unless a regular file: a FIFO put in its place would hold the check waiting for a writer.
            if (RegularFile.OtherKind(path) is not null) return null;
            try
            {
                Digest(contents, File.ReadAllBytes(path));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return null;
            }
        }
        return contents.GetHashAndReset();
    }

    // Each file's length before its bytes, so that no two lists of files digest alike.
    private static void Digest(IncrementalHash contents, byte[] bytes)
    {
        contents.AppendData(BitConverter.GetBytes((long)bytes.Length));
        contents.AppendData(bytes);
    }

    private static (X509Certificate2, X509Certificate2Collection) FromPem(ServerCertificateOptions options, string text, string? password, IncrementalHash contents)
    {
        var blocks = PemBlocks(text);
        var certificates = new X509Certificate2Collection();
        try
        {
            foreach (var (_, block) in blocks.Where(b => b.Label == "CERTIFICATE"))
            {
                try
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(PemBody(block))));
                }
                catch (CryptographicException ex)
                {
                    throw Invalid(nameof(options.CertificateFile), options.CertificateFile, $"certificate {certificates.Count + 1} in it cannot be read ({ex.Message})", ex);
                }
            }
            if (certificates.Count == 0)
                throw Invalid(nameof(options.CertificateFile), options.CertificateFile, blocks.Any(b => KeyLabels.Contains(b.Label))
                    ? "holds a private key but no certificate (-----BEGIN CERTIFICATE-----); give the certificate here and its key as " + ServerCertificateOptions.Name(nameof(options.KeyFile))
                    : "holds no PEM certificate (-----BEGIN CERTIFICATE-----) and is not a PKCS#12 file");
            using var certificate = certificates[0];
            certificates.RemoveAt(0);
            return (WithKey(options, certificate, text, password, contents), certificates);
        }
        catch
        {
            // The chain read so far, of files refused after it (a key that does not match, an intermediate that does not read).
            foreach (var link in certificates) link.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="certificate"/> with the key of <see cref="ServerCertificateOptions.KeyFile"/>, or of the certificate
    /// file itself when it holds one and no key file is given.
    /// </summary>
    private static X509Certificate2 WithKey(ServerCertificateOptions options, X509Certificate2 certificate, string certificateText, string? password, IncrementalHash contents)
    {
        var (property, path) = options.KeyFile is { } keyFile ? (nameof(options.KeyFile), keyFile) : (nameof(options.CertificateFile), options.CertificateFile);
        string text = options.KeyFile is null ? certificateText : Encoding.UTF8.GetString(ReadAll(property, path, contents));
        // RFC 7468 leaves out OpenSSL's old "traditional" encryption (headers inside the block), which .NET cannot read.
        if (text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
            throw Invalid(property, path, "is encrypted the legacy OpenSSL way (Proc-Type: 4,ENCRYPTED), which cannot be read; "
                + "convert it to an encrypted PKCS#8 key with: openssl pkcs8 -topk8 -in OLD.pem -out NEW.pem");
        var keys = PemBlocks(text).Where(b => KeyLabels.Contains(b.Label)).ToList();
        if (keys.Count == 0)
            throw options.KeyFile is null
                ? Invalid(property, path, $"holds no private key; give it as {ServerCertificateOptions.Name(nameof(options.KeyFile))} (a PEM key), or give a PKCS#12 file that holds both")
                : Invalid(property, path, "holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        if (keys.Count > 1) throw Invalid(property, path, $"holds {keys.Count} private keys; give the one key of the certificate");
        var (label, block) = keys[0];
        bool encrypted = label == EncryptedKeyLabel;
        if (encrypted && password is null)
            throw Invalid(property, path, $"is encrypted; give its password in a file as {ServerCertificateOptions.Name(nameof(options.PasswordFile))}");
        if (!encrypted && password is not null)
            throw Invalid(nameof(options.PasswordFile), options.PasswordFile, $"{ServerCertificateOptions.Name(property)} '{path}' is not encrypted, so it needs no password; leave the password file out");

        string algorithm = certificate.GetKeyAlgorithm();
        if (algorithm is not (RsaKey or EcKey))
            throw Invalid(nameof(options.CertificateFile), options.CertificateFile, $"has a key of a kind serve cannot use (OID {algorithm}); give an RSA or ECDSA certificate");
        // Before the key: OpenSSL reads such a certificate's key as its named curve but keeps the key file's parameters, so
        // the two would be told apart as different keys.
        RefuseExplicitCurve(options, certificate);
        using var key = Import(algorithm, block, password);
        if (key is ECDsa ec && ec.ExportParameters(includePrivateParameters: false).Curve.IsExplicit)
            throw Invalid(property, path, "is an EC key with explicit curve parameters; only named curves (such as P-256) are supported: "
                + "convert it with: openssl ec -in KEY.pem -param_enc named_curve -out NEW.pem");
        if (key is null)
        {
            // The key is not of the certificate's kind, or (encrypted) did not decrypt: a key of the other kind that imports tells them apart.
            using var other = Import(algorithm == RsaKey ? EcKey : RsaKey, block, password);
            if (other is null && encrypted)
                throw Invalid(nameof(options.PasswordFile), options.PasswordFile, $"is not the password of {ServerCertificateOptions.Name(property)} '{path}' (or the key is damaged)");
            throw Invalid(property, path, $"is not the key of {ServerCertificateOptions.Name(nameof(options.CertificateFile))} '{options.CertificateFile}': "
                + $"the certificate is {KindOf(algorithm)} and this key is {(other is null ? "not a key that can be read" : KindOf(algorithm == RsaKey ? EcKey : RsaKey))}");
        }
        try
        {
            return key is RSA rsa ? certificate.CopyWithPrivateKey(rsa) : certificate.CopyWithPrivateKey((ECDsa)key);
        }
        catch (ArgumentException ex) // "The provided key does not match the public key for this certificate."
        {
            throw Invalid(property, path, $"is not the key of {ServerCertificateOptions.Name(nameof(options.CertificateFile))} '{options.CertificateFile}': "
                + "their public keys differ; give the key the certificate was made for", ex);
        }
    }

    private static string KindOf(string algorithm) => algorithm == RsaKey ? "RSA" : "ECDSA";

    /// <summary>The key of <paramref name="algorithm"/> in <paramref name="block"/>, or null when it is not one (or, encrypted, does not decrypt).</summary>
    private static AsymmetricAlgorithm? Import(string algorithm, string block, string? password)
    {
        AsymmetricAlgorithm key = algorithm == RsaKey ? RSA.Create() : ECDsa.Create();
        try
        {
            if (password is null) key.ImportFromPem(block);
            else key.ImportFromEncryptedPem(block, password);
            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            return null;
        }
    }

    private static (X509Certificate2, X509Certificate2Collection) FromPkcs12(ServerCertificateOptions options, byte[] bytes, string? password)
    {
        var kind = ContentType(bytes);
        if (kind != X509ContentType.Pkcs12)
            throw Invalid(nameof(options.CertificateFile), options.CertificateFile, kind == X509ContentType.Cert
                ? "is a DER certificate; give it as PEM (openssl x509 -inform der -in FILE -out cert.pem) with its key, or as a PKCS#12 file"
                : "is neither a PEM certificate (-----BEGIN CERTIFICATE-----) nor a PKCS#12 file");
        if (options.KeyFile is not null)
            throw Invalid(nameof(options.KeyFile), options.KeyFile, $"{ServerCertificateOptions.Name(nameof(options.CertificateFile))} '{options.CertificateFile}' is a PKCS#12 file, which holds its own key; leave the key file out");
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(bytes, password, OperatingSystem.IsWindows() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw password is null
                ? Invalid(nameof(options.CertificateFile), options.CertificateFile, $"is a PKCS#12 file that needs a password (or is damaged); give it in a file as {ServerCertificateOptions.Name(nameof(options.PasswordFile))}", ex)
                : Invalid(nameof(options.PasswordFile), options.PasswordFile, $"is not the password of {ServerCertificateOptions.Name(nameof(options.CertificateFile))} '{options.CertificateFile}' (or the file is damaged)", ex);
        }
        var withKey = all.Where(c => c.HasPrivateKey).ToList();
        if (withKey.Count != 1)
        {
            foreach (var certificate in all) certificate.Dispose();
            throw Invalid(nameof(options.CertificateFile), options.CertificateFile, withKey.Count == 0
                ? "is a PKCS#12 file without a private key; export the certificate with its key"
                : $"is a PKCS#12 file of {withKey.Count} certificates with private keys; give a file with the server's alone (and its chain)");
        }
        try
        {
            RefuseExplicitCurve(options, withKey[0]);
        }
        catch (InvalidOptionException)
        {
            foreach (var certificate in all) certificate.Dispose();
            throw;
        }
        all.Remove(withKey[0]);
        return (withKey[0], all);
    }

    /// <summary>
    /// RFC 5480 allows certificates named curves only (an OID), and TLS clients refuse a certificate whose curve is written
    /// out, though OpenSSL loads it, from PEM or PKCS#12, and the server would present it.
    /// </summary>
    private static void RefuseExplicitCurve(ServerCertificateOptions options, X509Certificate2 certificate)
    {
        if (certificate.GetKeyAlgorithm() == EcKey && certificate.GetKeyAlgorithmParameters() is not [NamedCurveTag, ..])
            throw Invalid(nameof(options.CertificateFile), options.CertificateFile, "has an EC key with explicit curve parameters; only named curves (such as P-256) are supported: "
                + "reissue it from a key made on a named curve (openssl ecparam -name prime256v1 -genkey, without -param_enc explicit)");
    }

    // What a file that is not PEM holds; OpenSSL throws for bytes that are nothing it knows.
    private static X509ContentType ContentType(byte[] bytes)
    {
        try
        {
            return X509Certificate2.GetCertContentType(bytes);
        }
        catch (CryptographicException)
        {
            return X509ContentType.Unknown;
        }
    }

    /// <summary>
    /// A certificate whose extended key usage leaves out TLS servers is refused by clients, and by Kestrel at its start. One
    /// whose extended key usage or subject alternative names cannot be decoded is refused too: the handshake and the
    /// warnings read them, and would fail on every connection instead of once here.
    /// </summary>
    private static void RefuseExtensionsServersCannotUse(ServerCertificateOptions options, X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            bool forServers;
            try
            {
                forServers = extension switch
                {
                    X509EnhancedKeyUsageExtension usage => usage.EnhancedKeyUsages.Cast<Oid>().Any(oid => oid.Value == ServerAuthentication),
                    // Decoded only to find out that they can be.
                    X509SubjectAlternativeNameExtension names => names.EnumerateDnsNames().Concat(names.EnumerateIPAddresses().Select(ip => ip.ToString())).All(_ => true),
                    _ => true,
                };
            }
            catch (CryptographicException ex)
            {
                string name = extension is X509EnhancedKeyUsageExtension ? "extended key usage" : "subject alternative name";
                throw Invalid(nameof(options.CertificateFile), options.CertificateFile, $"its {name} extension ({extension.Oid?.Value}) cannot be read ({ex.Message}); reissue the certificate", ex);
            }
            if (!forServers)
                throw Invalid(nameof(options.CertificateFile), options.CertificateFile,
                    $"is not for servers: its extended key usage leaves out TLS server authentication ({ServerAuthentication}); give a server certificate");
        }
    }

    private static X509Certificate2 Persisted(X509Certificate2 certificate)
    {
        using (certificate)
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>The password in <paramref name="path"/>, without the line break an editor or <c>echo</c> ends it with.</summary>
    private static string ReadPassword(string path, IncrementalHash contents)
    {
        // A value with no path separator that is no file, or one naming a folder that does not exist, may be the password
        // given in place of its file: not shown, as the key files' values are not.
        if (!File.Exists(path) && !Directory.Exists(path)
            && (!path.Contains('/') && !path.Contains(Path.DirectorySeparatorChar) || !ParentExists(path)))
            throw Invalid(nameof(ServerCertificateOptions.PasswordFile), new UnshownValue(path.Length),
                "no file of that name; give the path of a file that holds the password, never the password itself");
        string text = Encoding.UTF8.GetString(ReadAll(nameof(ServerCertificateOptions.PasswordFile), path, contents, mayBeEmpty: true));
        string password = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        if (password.Length == 0)
            throw Invalid(nameof(ServerCertificateOptions.PasswordFile), path, "is empty; it holds the password of an encrypted key or PKCS#12 file (leave it out for one without)");
        return password;
    }

    private static bool ParentExists(string path)
    {
        try
        {
            return Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }
    }

    /// <summary>The bytes of <paramref name="path"/>, added to <paramref name="contents"/>.</summary>
    private static byte[] ReadAll(string property, string path, IncrementalHash contents, bool mayBeEmpty = false)
    {
        // A FIFO would be opened and waited on for a writer forever, the server never starting.
        if (RegularFile.OtherKind(path) is { } other) throw Invalid(property, path, $"{other}; give the file");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            string problem = ex is FileNotFoundException or DirectoryNotFoundException ? "no such file"
                : Directory.Exists(path) ? "is a directory; give the file"
                : $"cannot be read: {ex.Message}";
            throw Invalid(property, path, problem, ex);
        }
        if (bytes.Length == 0 && !mayBeEmpty) throw Invalid(property, path, "is empty");
        Digest(contents, bytes);
        return bytes;
    }

    /// <summary>The PEM blocks of <paramref name="text"/> in order, each with its label and its text from BEGIN to END.</summary>
    private static List<(string Label, string Block)> PemBlocks(string text)
    {
        var blocks = new List<(string, string)>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            blocks.Add((rest[fields.Label].ToString(), rest[fields.Location].ToString()));
            rest = rest[fields.Location.End..];
        }
        return blocks;
    }

    private static string PemBody(string block) => block[PemEncoding.Find(block).Base64Data];

    private static InvalidOptionException Invalid(string property, object? value, string problem, Exception? inner = null) =>
        ServerCertificateOptions.Invalid(property, value, problem, inner);
}
