using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// The two ways <c>serve</c> fails to start that are the user's to fix, as one line each: an address that is not a
/// URL Kestrel can bind (checked before the model loads), and an address already in use (found when binding).
/// </summary>
internal static class ServerStartup
{
    /// <exception cref="UserInputException">An address is not an http URL with a host and port.</exception>
    public static void CheckUrls(IReadOnlyList<string> urls)
    {
        foreach (var url in urls)
        {
            string? problem;
            try
            {
                var address = BindingAddress.Parse(url);
                // BindingAddress takes "http://host:notaport" for a host without a port; Uri checks the port (wildcards aside).
                problem = address.IsUnixPipe || address.IsNamedPipe ? null
                    // No certificate is configured, so Kestrel would fail to start on https.
                    : address.Scheme == "https" ? "https needs a certificate, which serve does not configure; listen on http and put a TLS proxy in front"
                    : address.Scheme != "http" ? "the scheme must be http"
                    : !Uri.TryCreate(url.Replace("://*", "://localhost").Replace("://+", "://localhost"), UriKind.Absolute, out _) ? "the host or port is malformed"
                    : null;
            }
            catch (FormatException ex)
            {
                problem = ex.Message;
            }
            if (problem is not null)
                throw new UserInputException($"--urls {PrintableText.Quote(url)}: not an address to listen on ({problem}); for example http://127.0.0.1:8080");
        }
        // Kestrel would bind the first and report the second as an address in use, by this very server.
        if (urls.GroupBy(url => url.TrimEnd('/'), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new UserInputException($"--urls {PrintableText.Quote(twice.First())}: given twice; give each address once");
    }

    /// <summary>Starts <paramref name="app"/>, turning an address in use or refused into a user error.</summary>
    /// <exception cref="UserInputException">An address is in use or may not be bound by this user.</exception>
    public static async Task StartAsync(WebApplication app, IReadOnlyList<string> urls, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) // Kestrel's AddressInUseException is one; so is a port below 1024 for a non-root user.
        {
            throw new UserInputException($"--urls {string.Join(' ', urls)}: cannot listen: {ex.Message}", ex);
        }
    }
}
