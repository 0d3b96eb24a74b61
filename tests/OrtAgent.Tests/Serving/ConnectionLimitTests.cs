using System.Net.Sockets;
using System.Text;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// <c>--max-connections</c>: past the limit a connection is closed unanswered, while those within it are served; a
/// client holding connections open cannot take more of the process's file descriptors than the limit allows.
/// </summary>
public sealed class ConnectionLimitTests
{
    private const string HealthRequest = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Fact]
    public async Task AConnectionPastTheLimitIsClosedUnansweredWhileTheOpenOneIsServed()
    {
        await using var server = await ServerUnderTest.StartAsync(directory => ServerUnderTest.Options(directory, maxConnections: 1));
        using var held = await ConnectAsync(server.BaseAddress);
        Assert.StartsWith("HTTP/1.1 200", await ExchangeAsync(held, HealthRequest));

        using var refused = await ConnectAsync(server.BaseAddress);
        Assert.Equal("", await ExchangeAsync(refused, HealthRequest));

        Assert.StartsWith("HTTP/1.1 200", await ExchangeAsync(held, HealthRequest));
    }

    private static async Task<Socket> ConnectAsync(Uri address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        await socket.ConnectAsync(address.Host, address.Port);
        return socket;
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns the whole response (read to its last chunk, or its Content-Length), so
    /// that the next exchange on the connection starts clean; "" when the server closed the connection unanswered.
    /// </summary>
    private static async Task<string> ExchangeAsync(Socket socket, string request)
    {
        var response = new StringBuilder();
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request));
            var buffer = new byte[4096];
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!IsComplete(response.ToString()))
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
                if (read == 0) break;
                response.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            return response.ToString();
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            return response.ToString();
        }
    }

    private static bool IsComplete(string response)
    {
        int headEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0) return false;
        string head = response[..headEnd];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) return response.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
        var length = System.Text.RegularExpressions.Regex.Match(head, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        return !length.Success || response.Length - (headEnd + 4) >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
