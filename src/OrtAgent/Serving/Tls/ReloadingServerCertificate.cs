using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrtAgent.Cli;

namespace OrtAgent.Serving.Tls;

/// <summary>
/// The certificate Kestrel presents on the https addresses, read again when its files change: an ACME client (certbot,
/// lego, acme.sh) renews them every 60 to 90 days, and a server that read them once would serve an expired certificate
/// until restarted. A new connection compares the files' write times and lengths with those of the certificate served
/// (for a symbolic link, such as certbot's <c>live/</c> ones, those of the file it points to, and which file that is), at most once every
/// <see cref="ServerCertificateOptions.CheckInterval"/>; when they changed, and so did the bytes they hold, the files are
/// loaded again, and from then on new connections get the new certificate (open ones keep theirs). Files that do not load, such as a key not yet
/// written beside its new certificate, keep the certificate served, with one warning until the files change again. A
/// replaced certificate is disposed <see cref="ReplacedKeptFor"/> after it was replaced.
/// </summary>
internal sealed class ReloadingServerCertificate : IDisposable
{
    private readonly ServerCertificateOptions _options;
    private readonly Lock _lock = new();
    // Certificates replaced by a reload, with when: a handshake that began with one may still be using it, so each is kept
    // for ReplacedKeptFor after, and no longer (files rewritten by config management on a schedule would pile them up).
    private readonly List<(ServerCertificate Certificate, long ReplacedAt)> _replaced = [];
    private ILogger _logger = NullLogger.Instance;
    private volatile ServerCertificate _current;
    private string _servedStamp;
    private string? _refusedStamp;
    private long _lastCheck;

    private ReloadingServerCertificate(ServerCertificateOptions options, ServerCertificate first, string stamp)
    {
        _options = options;
        _current = first;
        _servedStamp = stamp;
        _lastCheck = options.Clock.GetTimestamp();
    }

    /// <summary>
    /// How long a replaced certificate is kept after new connections stopped getting it: far longer than a handshake that
    /// took it just before may last (Kestrel gives one 10 seconds), after which no connection reads it again.
    /// </summary>
    internal static readonly TimeSpan ReplacedKeptFor = TimeSpan.FromMinutes(1);

    /// <summary>The certificate new connections get now.</summary>
    public ServerCertificate Current => _current;

    /// <summary>Reads the certificate the files hold now.</summary>
    /// <exception cref="InvalidOptionException">A file cannot be read or does not hold a usable certificate and key.</exception>
    public static ReloadingServerCertificate Load(ServerCertificateOptions options)
    {
        // The stamp before the read: files changed while they were read are read again at the next check.
        string stamp = StampOf(options);
        return new ReloadingServerCertificate(options, ServerCertificate.Load(options), stamp);
    }

    /// <summary>
    /// Makes Kestrel's https addresses present this certificate, logging reloads to <paramref name="logger"/>. Each
    /// handshake takes the current certificate's context, which carries the chain: a selector alone would hand SslStream
    /// the certificate without the intermediates of the file, and a fixed certificate would be read once. (The selector
    /// is what Kestrel requires to be set; the context set for each handshake takes its place.)
    /// </summary>
    public void Attach(HttpsConnectionAdapterOptions https, ILogger logger)
    {
        _logger = logger;
        https.ServerCertificateSelector = (_, _) => ForNewConnection().Certificate;
        https.OnAuthenticate = (_, ssl) =>
        {
            ssl.ServerCertificate = null;
            ssl.ServerCertificateSelectionCallback = null;
            ssl.ServerCertificateContext = ForNewConnection().Context;
        };
    }

    /// <summary>
    /// The certificate for a connection starting now, after reading the files again if they changed since the last check.
    /// It runs in the handshake, so it never throws: files that do not load, whatever the reason, keep the certificate served.
    /// </summary>
    public ServerCertificate ForNewConnection()
    {
        var clock = _options.Clock;
        if (clock.GetElapsedTime(Interlocked.Read(ref _lastCheck)) < _options.CheckInterval) return _current;
        lock (_lock)
        {
            // Another connection may have checked while this one waited for the lock.
            if (clock.GetElapsedTime(Interlocked.Read(ref _lastCheck)) < _options.CheckInterval) return _current;
            Interlocked.Exchange(ref _lastCheck, clock.GetTimestamp());
            DisposeReplacedLongAgo();
            string stamp = StampOf(_options);
            if (stamp == _servedStamp || stamp == _refusedStamp) return _current;
            // Files rewritten with the bytes they held (certbot touching them, a deploy tool copying the same files again)
            // are no renewal: the certificate served stays, with nothing logged or disposed.
            if (ServerCertificateFiles.ContentDigest(_options) is { } digest && digest.AsSpan().SequenceEqual(_current.ContentDigest))
            {
                _servedStamp = stamp;
                _refusedStamp = null;
                return _current;
            }
            ServerCertificate? next = null;
            List<string> warnings;
            try
            {
                next = ServerCertificate.Load(_options);
                warnings = [.. next.Warnings(_options, [], clock.GetUtcNow()).Select(OptionFlags.InText)];
            }
            // Not only the refusals of files that are wrong: an exception here would fail this handshake, and the next
            // check's, for as long as the files stay as they are.
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                next?.Dispose();
                _refusedStamp = stamp;
                string problem = ex is InvalidOptionException invalid ? OptionFlags.Describe(invalid) : $"{ex.GetType().Name}: {ex.Message}";
                _logger.LogWarning("the TLS certificate files changed but do not load, so new connections still get {Served}: {Problem}", _current.Describe(), problem);
                return _current;
            }
            _replaced.Add((_current, clock.GetTimestamp()));
            _current = next;
            _servedStamp = stamp;
            _refusedStamp = null;
            _logger.LogInformation("the TLS certificate files changed: new connections get {Certificate} (thumbprint {Thumbprint})", next.Describe(), next.Certificate.Thumbprint);
            foreach (var warning in warnings) _logger.LogWarning("{Warning}", warning);
            return next;
        }
    }

    private void DisposeReplacedLongAgo()
    {
        long now = _options.Clock.GetTimestamp();
        _replaced.RemoveAll(replaced =>
        {
            if (_options.Clock.GetElapsedTime(replaced.ReplacedAt, now) < ReplacedKeptFor) return false;
            replaced.Certificate.Dispose();
            return true;
        });
    }

    /// <summary>
    /// What identifies the files' contents without reading them: each one's final target (a renewal may re-point a
    /// symbolic link at a new file), write time and length, the target's (a link's own write time says nothing of a file
    /// rewritten behind it). A file that cannot be examined stamps as such, which is a change to try. The permissions
    /// count too: a key refused as unreadable and mended with <c>chmod</c> keeps its write time, and would otherwise
    /// wait for the next renewal.
    /// </summary>
    private static string StampOf(ServerCertificateOptions options) =>
        string.Join('|', new[] { options.CertificateFile, options.KeyFile, options.PasswordFile }.OfType<string>().Select(path =>
        {
            try
            {
                var file = new FileInfo(path);
                var target = file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file;
                return target.Exists ? $"{target.FullName}@{target.LastWriteTimeUtc.Ticks}:{target.Length}:{PermissionsOf(target)}" : $"{path}: missing";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return $"{path}: {ex.GetType().Name}";
            }
        }));

    private static string PermissionsOf(FileInfo file) => OperatingSystem.IsWindows() ? "" : Convert.ToString((int)file.UnixFileMode, 8);

    public void Dispose()
    {
        lock (_lock)
        {
            _current.Dispose();
            foreach (var (certificate, _) in _replaced) certificate.Dispose();
            _replaced.Clear();
        }
    }
}
