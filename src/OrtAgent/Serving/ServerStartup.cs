using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// The two ways <c>serve</c> fails to start that are the user's to fix, as one line each: an address that is not an
/// http or https URL Kestrel can bind (checked before the model loads), and an address already in use (found when binding).
/// </summary>
internal static class ServerStartup
{
    /// <exception cref="UserInputException">An address is not an http or https URL with a host and port and nothing else (no
    /// query, fragment, user info or path), or is an IPv4-mapped IPv6 address (Linux refuses to bind one).</exception>
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
                    // An https address without a certificate is ServingOptions' to refuse, naming the certificate options.
                    : address.Scheme is not ("http" or "https") ? (address.Scheme.ToLowerInvariant() is "http" or "https" ? "write the scheme in lower case: http or https" : "the scheme must be http or https")
                    : BeyondHostAndPort(url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..])
                        ?? (!Uri.TryCreate(url.Replace("://*", "://localhost").Replace("://+", "://localhost"), UriKind.Absolute, out _) ? "the host or port is malformed"
                        : IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && ip.IsIPv4MappedToIPv6 ? $"an IPv4-mapped IPv6 address; give the IPv4 address {ip.MapToIPv4()} itself"
                        : null);
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
        if (SharedPort(urls) is var (first, second, port))
            throw new UserInputException($"--urls names port {port} twice ({PrintableText.Quote(first)} and {PrintableText.Quote(second)} both listen on it); " +
                "give each port once (0.0.0.0 or [::] alone listens on every address)");
    }

    /// <summary>
    /// Two addresses whose sockets would be the same port on overlapping addresses, which Kestrel binds one after the
    /// other and then reports as "address already in use", by this very server: a wildcard (0.0.0.0, [::], *, a host name)
    /// beside any address of its port ([::] also takes IPv4 on Linux), the same IP twice, or localhost beside a loopback.
    /// </summary>
    private static (string First, string Second, int Port)? SharedPort(IReadOnlyList<string> urls)
    {
        var bound = new List<(string Url, int Port, IPAddress[] Addresses)>();
        foreach (var url in urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                continue;
            }
            if (address.IsUnixPipe || address.IsNamedPipe || address.Port == 0) continue;
            var addresses = AddressesOf(address.Host) is [var one] && one.Equals(IPAddress.Any) && address.Host != "0.0.0.0" ? [IPAddress.IPv6Any] : AddressesOf(address.Host);
            foreach (var earlier in bound)
                if (earlier.Port == address.Port && earlier.Addresses.Any(a => addresses.Any(b => Overlap(a, b))))
                    return (earlier.Url, url, address.Port);
            bound.Add((url, address.Port, addresses));
        }
        return null;
    }

    private static bool Overlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || a.Equals(IPAddress.IPv6Any) || b.Equals(IPAddress.IPv6Any)
        || (a.Equals(IPAddress.Any) && b.AddressFamily == AddressFamily.InterNetwork)
        || (b.Equals(IPAddress.Any) && a.AddressFamily == AddressFamily.InterNetwork);

    /// <summary>
    /// What <paramref name="rest"/> (an address after its <c>scheme://</c>) holds beyond a host and port, or null. Kestrel
    /// reads none of it as the user meant: a query, fragment or user info made it listen on every interface (port 80 when
    /// the port was cut off), and a path failed the start with an internal error, as the server is not served under a prefix.
    /// </summary>
    private static string? BeyondHostAndPort(string rest)
    {
        // Before the path check, which a second address's "//" would otherwise be blamed as.
        if (rest.Contains(',')) return "a comma: separate addresses with ';' or a space";
        int end = rest.IndexOfAny(['?', '#']);
        if (end >= 0) return rest[end] == '?' ? "a query (?…) is not part of an address" : "a fragment (#…) is not part of an address";
        int slash = rest.IndexOf('/');
        string authority = slash < 0 ? rest : rest[..slash];
        if (authority.Contains('@')) return "user info (user:password@) is not part of an address";
        string path = slash < 0 ? "" : rest[slash..];
        return path is "" or "/" ? null : "a path: everything is served from the root, not under a path prefix; leave the path out";
    }

    /// <summary>
    /// Refuses an address something already listens on, before the server is built: <c>serve --fine-tuning</c> opens (and
    /// creates, or migrates) its store while building, and a start refused at the bind after that left a new store
    /// behind. A port taken between this check and the start is still refused there (<see cref="StartAsync"/>).
    /// </summary>
    /// <exception cref="UserInputException">An address is in use, or this user may not listen on it.</exception>
    public static void RefuseAddressesInUse(IReadOnlyList<string> urls)
    {
        if (FirstAddressRefused(urls) is { } refusal) throw refusal;
    }

    /// <summary>
    /// The refusal of the first of <paramref name="urls"/> that a socket of this process cannot bind as Kestrel would (in
    /// use, or below 1024 for this user), in the one wording both the early check and the start give; null when all bind.
    /// </summary>
    private static UserInputException? FirstAddressRefused(IReadOnlyList<string> urls)
    {
        foreach (var url in urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                continue;   // CheckUrls' to refuse; the start reports what remains
            }
            if (address.IsUnixPipe)
            {
                if (UnixSocketRefusal(url, address.UnixPipePath) is { } refusal) return refusal;
                continue;
            }
            if (address.IsNamedPipe || address.Port == 0) continue;
            foreach (var ip in AddressesOf(address.Host))
            {
                using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                AllowTimeWait(socket);
                try
                {
                    socket.Bind(new IPEndPoint(ip, address.Port));
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
                {
                    return new UserInputException($"--urls {PrintableText.Quote(url)}: cannot listen: " + (ex.SocketErrorCode == SocketError.AccessDenied
                        ? $"permission denied: this user may not listen on {ip}:{address.Port}"
                            + (address.Port < 1024 ? " (ports below 1024 need privileges); give a port of 1024 or above" : "; give another port")
                        : $"{ip}:{address.Port} is already in use; stop what listens there, or give another port"), ex);
                }
                catch (SocketException)
                {
                    // An address family or address this machine lacks: the start says what it finds.
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The refusal of a Unix socket path that exists, which Kestrel cannot bind: a process killed (<c>kill -9</c>) leaves its
    /// socket file behind, and every restart failed with "address already in use" though nothing listened. Said, not
    /// removed: a file nothing accepts connections on may be no socket at all, and it is not this process's to delete.
    /// </summary>
    private static UserInputException? UnixSocketRefusal(string url, string path)
    {
        if (!File.Exists(path)) return null;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return new UserInputException($"--urls {PrintableText.Quote(url)}: cannot listen: {path} exists and nothing accepts connections on it "
                + "(a socket left by a process that stopped without removing it, or a file that is not a socket); remove it, or give another path", ex);
        }
        catch (SocketException)
        {
            return null;   // unreadable, or not this user's: the start says what it finds
        }
        return new UserInputException($"--urls {PrintableText.Quote(url)}: cannot listen: {path} is in use by another process; stop it, or give another path");
    }

    /// <summary>
    /// Lets the probe bind a port whose last connections are closing (TIME_WAIT), as Kestrel binds on Unix. On Linux only
    /// SO_REUSEADDR is set: .NET's ReuseAddress sets SO_REUSEPORT there too, with which the probe bound a port that another
    /// process's SO_REUSEPORT listener holds, and the port was reported free.
    /// </summary>
    private static void AllowTimeWait(Socket socket)
    {
        const int SolSocket = 1, SoReuseAddr = 2;   // <sys/socket.h> on Linux
        if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        else if (!OperatingSystem.IsWindows()) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    }

    // Where Kestrel binds a host: localhost on both loopbacks, an IP address on itself, anything else (*, a host name) on every address.
    private static IPAddress[] AddressesOf(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? [IPAddress.Loopback, IPAddress.IPv6Loopback]
        : IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? [ip]
        : [IPAddress.Any];

    /// <summary>Starts <paramref name="app"/>, turning an address in use, refused or not this machine's into a user error.</summary>
    /// <exception cref="UserInputException">An address is in use, may not be bound by this user, or is not this machine's.</exception>
    public static async Task StartAsync(WebApplication app, IReadOnlyList<string> urls, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        // Kestrel's AddressInUseException is an IOException; a port this user may not bind (below 1024 for a non-root user)
        // comes out as the bind's own SocketException, which was an internal error.
        catch (Exception ex) when (ex is IOException or SocketException { SocketErrorCode: SocketError.AccessDenied })
        {
            // Kestrel let go of what it had bound when its start failed, so the probe finds the address at fault and names it
            // as the early check does; Kestrel's own words ("Failed to bind to address …") only where it finds none (a port
            // freed since, or two of these addresses that are one).
            throw FirstAddressRefused(urls) ?? new UserInputException($"--urls {Quoted(urls)}: cannot listen: {ex.Message}", ex);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            // An IP address this machine lacks (the early check leaves it to the start): Kestrel lets it out unwrapped.
            throw new UserInputException($"--urls {FirstNotOfThisMachine(urls) ?? Quoted(urls)}: cannot listen: {ex.Message}; give an address of this machine (127.0.0.1, or 0.0.0.0 for all)", ex);
        }
    }

    /// <summary>
    /// The first of <paramref name="urls"/>, quoted, whose host is an IP address this machine lacks (a socket cannot bind
    /// it, on any port), or null when none is: Kestrel's error does not say which address it was binding.
    /// </summary>
    private static string? FirstNotOfThisMachine(IReadOnlyList<string> urls)
    {
        foreach (var url in urls)
        {
            if (!IPAddress.TryParse(HostOf(url)?.Trim('[', ']'), out var ip)) continue;
            using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(ip, 0));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                return PrintableText.Quote(url);
            }
        }
        return null;
    }

    private static string? HostOf(string url)
    {
        try
        {
            return BindingAddress.Parse(url).Host;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // Each address as CheckUrls and the early check name one: in quotes, so a line naming several still reads.
    private static string Quoted(IReadOnlyList<string> urls) => string.Join(' ', urls.Select(PrintableText.Quote));
}
