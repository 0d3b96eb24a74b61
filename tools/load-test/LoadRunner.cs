using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrtAgent.LoadTest;

/// <summary>
/// Closed-loop load: N clients, each sending one single-text <c>POST /predict</c> after another for a fixed time, so the
/// offered load is exactly N requests outstanding. Texts rotate through a list so that every request differs.
/// </summary>
internal sealed class LoadRunner : IDisposable
{
    private readonly HttpClient _client;
    private readonly IReadOnlyList<string> _bodies;
    private readonly string? _apiKey;

    public LoadRunner(Uri url, IReadOnlyList<string> texts, string? apiKey)
    {
        _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        _bodies = texts.Select(t => JsonSerializer.Serialize(new { inputs = t })).ToArray();
        _apiKey = apiKey;
    }

    public async Task<LoadLevelResult> RunAsync(int clients, TimeSpan duration, TimeSpan warmup)
    {
        if (warmup > TimeSpan.Zero) await RunClientsAsync(clients, warmup);
        var clock = Stopwatch.StartNew();
        var perClient = await RunClientsAsync(clients, duration);
        var elapsed = clock.Elapsed;
        var latencies = perClient.SelectMany(c => c.Latencies).ToList();
        return LoadLevelResult.From(clients, elapsed, latencies, perClient.Sum(c => c.Failed));
    }

    private async Task<(List<double> Latencies, int Failed)[]> RunClientsAsync(int clients, TimeSpan duration)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var latencies = new List<double>();
            int failed = 0;
            for (int i = client; Stopwatch.GetTimestamp() < deadline; i += clients)
            {
                long start = Stopwatch.GetTimestamp();
                if (await SendAsync(_bodies[i % _bodies.Count])) latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                else failed++;
            }
            return (latencies, failed);
        }));
        return await Task.WhenAll(tasks);
    }

    private async Task<bool> SendAsync(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "predict") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (_apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        try
        {
            using var response = await _client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // A refused connection or a timeout is a failed request, counted, not a reason to stop the run.
            return false;
        }
    }

    /// <summary>The server's /info, or null when it has none or refuses.</summary>
    public async Task<string?> ReadInfoAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "info");
        if (_apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        try
        {
            using var response = await _client.SendAsync(request);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public void Dispose() => _client.Dispose();
}
