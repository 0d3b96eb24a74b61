namespace OrtAgent.Serving.Tls;

/// <summary>
/// The certificate the <c>https://</c> addresses of <see cref="ServingOptions.Urls"/> present, as files: a PEM certificate
/// (the server's first, then its chain, as Let's Encrypt's <c>fullchain.pem</c>) with a PEM private key, or one PKCS#12
/// file (<c>.pfx</c>, <c>.p12</c>) holding both. The files are read at start and again, for new connections, when they
/// change (an ACME client renews them every 60 to 90 days); a change that does not load keeps the certificate served.
/// </summary>
public sealed class ServerCertificateOptions
{
    /// <summary>
    /// The certificate: PEM (<c>-----BEGIN CERTIFICATE-----</c>; the server's certificate first, then any intermediates,
    /// which are sent to clients with it) or PKCS#12. A PEM file may hold the private key too. Required.
    /// </summary>
    public string CertificateFile { get; init; } = "";

    /// <summary>
    /// The PEM private key of <see cref="CertificateFile"/> (PKCS#8, RSA or EC; encrypted only as PKCS#8,
    /// <c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c>). Null when <see cref="CertificateFile"/> holds the key: a PKCS#12
    /// file, or a PEM file with the key in it.
    /// </summary>
    public string? KeyFile { get; init; }

    /// <summary>
    /// A file holding the password of an encrypted <see cref="KeyFile"/> or of a PKCS#12 <see cref="CertificateFile"/>
    /// (one trailing line break ignored). A file rather than a value, so that the password is in no command line or
    /// options dump, and so that a renewal that changes it is read with the certificate. Null when nothing is encrypted.
    /// </summary>
    public string? PasswordFile { get; init; }

    /// <summary>
    /// How often, at most, a new connection has the files' write times compared with those of the certificate served;
    /// a change loads them again. Zero compares them on every connection.
    /// </summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock <see cref="CheckInterval"/> is measured on (tests move it by hand) and expiry is judged by.</summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Checks the values that need no file read; the files are checked when the certificate loads.</summary>
    /// <exception cref="InvalidOptionException">A file is not named, or the interval is negative.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(CertificateFile)) throw Invalid(nameof(CertificateFile), CertificateFile, "a certificate file is required");
        if (KeyFile is not null && string.IsNullOrWhiteSpace(KeyFile)) throw Invalid(nameof(KeyFile), KeyFile, "name the key file, or leave it out");
        if (PasswordFile is not null && string.IsNullOrWhiteSpace(PasswordFile)) throw Invalid(nameof(PasswordFile), PasswordFile, "name the password file, or leave it out");
        if (CheckInterval < TimeSpan.Zero) throw Invalid(nameof(CheckInterval), CheckInterval, "must not be negative");
    }

    internal static InvalidOptionException Invalid(string property, object? value, string problem, Exception? inner = null) =>
        new(Name(property), value, problem, inner);

    /// <summary>The option as messages name it (<c>ServerCertificateOptions.KeyFile</c>), which the command line turns into its flag.</summary>
    internal static string Name(string property) => InvalidOptionException.Name<ServerCertificateOptions>(property);
}
