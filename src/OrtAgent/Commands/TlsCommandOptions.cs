using System.CommandLine;
using OrtAgent.Serving.Tls;

namespace OrtAgent.Commands;

/// <summary>
/// The certificate of <c>serve</c>'s and <c>serve --fine-tuning</c>'s https addresses (<c>--tls-certificate</c>,
/// <c>--tls-key</c>, <c>--tls-key-password-file</c>), declared once for both. A password is only ever read from a file:
/// on the command line it would show in process listings and shell histories.
/// </summary>
internal sealed class TlsCommandOptions
{
    private readonly Option<string> _certificate = new("--tls-certificate")
    {
        Description = "Serve the https:// addresses of --urls with this certificate: PEM (the server's certificate, then its chain, as Let's Encrypt's fullchain.pem) "
            + "with --tls-key, or a PKCS#12 file (.pfx, .p12) holding the key too. Read again for new connections when the files change.",
    };

    private readonly Option<string> _key = new("--tls-key")
    {
        Description = "The PEM private key of --tls-certificate (PKCS#8, RSA or EC), unencrypted or encrypted (PKCS#8) with --tls-key-password-file.",
    };

    private readonly Option<string> _passwordFile = new("--tls-key-password-file")
    {
        Description = "A file holding the password of an encrypted --tls-key or of a PKCS#12 --tls-certificate (a password is never taken on the command line).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new[] { _certificate, _key, _passwordFile })
            command.Options.Add(option);
    }

    /// <summary>The certificate's files as given, or null when none of the options is; the files are read when the server builds.</summary>
    /// <exception cref="UserInputException">A key or password file was given without a certificate.</exception>
    public ServerCertificateOptions? Read(ParseResult parseResult)
    {
        string? certificate = parseResult.GetValue(_certificate), key = parseResult.GetValue(_key), passwordFile = parseResult.GetValue(_passwordFile);
        if (certificate is null)
        {
            var alone = key is not null ? _key : passwordFile is not null ? _passwordFile : null;
            return alone is null ? null : throw new UserInputException($"{alone.Name} needs --tls-certificate, the certificate it belongs to");
        }
        return new ServerCertificateOptions { CertificateFile = certificate, KeyFile = key, PasswordFile = passwordFile };
    }

    /// <summary>
    /// A warning for each of <paramref name="files"/> that holds a secret, the private key (the key file, or the
    /// certificate file when it holds the key: PKCS#12, or PEM with the key in it) or its password, and that its group or
    /// other users may read or write (<see cref="SecretFileAccess"/>). Said once at start: a reload does not judge them again.
    /// </summary>
    public IEnumerable<string> OpenToOthersWarnings(ServerCertificateOptions files)
    {
        var (flag, path) = files.KeyFile is { } key ? (_key.Name, key) : (_certificate.Name, files.CertificateFile);
        if (SecretFileAccess.OpenToOthersWarning(flag, path, "its private key", "replace the private key") is { } keyWarning) yield return keyWarning;
        if (files.PasswordFile is { } passwordFile && SecretFileAccess.OpenToOthersWarning(_passwordFile.Name, passwordFile, "its password", "change the password") is { } passwordWarning)
            yield return passwordWarning;
    }
}
