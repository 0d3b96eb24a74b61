using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Serving.Tls;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A real <see cref="InferenceServer"/> on 127.0.0.1 with a port chosen by the OS, serving a <see cref="ToyClassifierModel"/>
/// from a temporary directory, with an <see cref="HttpClient"/> pointed at it. Disposing stops the server and deletes the model.
/// </summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    private readonly TempDirectory _modelDirectory;

    private ServerUnderTest(TempDirectory modelDirectory, WebApplication app, RecordingLoggerProvider logs)
    {
        _modelDirectory = modelDirectory;
        App = app;
        Logs = logs;
        BaseAddress = new Uri(app.Urls.Single());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string ModelDirectory => _modelDirectory.Path;

    public WebApplication App { get; }

    public RecordingLoggerProvider Logs { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// Starts a server; <paramref name="configure"/> turns the model directory into the options to test, and
    /// <paramref name="beforeStart"/> sees the built server before it starts.
    /// </summary>
    public static async Task<ServerUnderTest> StartAsync(Func<string, ServingOptions>? configure = null, ToyModelSpec? model = null,
        Action<WebApplication>? beforeStart = null)
    {
        var directory = new TempDirectory("serve");
        ToyClassifierModel.Write(directory.Path, model ?? ToyClassifierModel.Sentiment);
        var options = configure?.Invoke(directory.Path) ?? Options(directory.Path);
        var logs = new RecordingLoggerProvider();
        var app = await InferenceServer.BuildAsync(options, logging => logging.AddProvider(logs));
        beforeStart?.Invoke(app);
        await app.StartAsync();
        return new ServerUnderTest(directory, app, logs);
    }

    /// <summary>
    /// Test defaults: port 0, one ONNX Runtime thread (the test machine is shared), everything else as shipped; with
    /// <paramref name="certificate"/>, on https (<paramref name="urls"/>, when given, in place of either).
    /// </summary>
    public static ServingOptions Options(string directory, int maxBatch = 32, int maxWaitMs = 5, string[]? apiKeys = null,
        bool allowUnauthenticatedReload = false, long? maxBodyBytes = null, int maxInputs = 64, int maxChars = 20_000,
        int maxExplanationsInFlight = 8, string[]? allowedOrigins = null, int? maxLength = null, int maxQueuedTexts = 4096, long? maxConnections = null,
        string[]? inferenceApiKeys = null, ServerCertificateOptions? certificate = null, string[]? urls = null) => new()
    {
        ModelDirectory = directory,
        Urls = urls ?? [certificate is null ? "http://127.0.0.1:0" : "https://127.0.0.1:0"],
        Certificate = certificate,
        MaxBatch = maxBatch,
        MaxWaitMs = maxWaitMs,
        ApiKeys = apiKeys ?? [],
        InferenceApiKeys = inferenceApiKeys ?? [],
        AllowedOrigins = allowedOrigins ?? [],
        AllowUnauthenticatedReload = allowUnauthenticatedReload,
        MaxBodyBytes = maxBodyBytes,
        MaxInputsPerRequest = maxInputs,
        MaxCharsPerInput = maxChars,
        MaxExplanationsInFlight = maxExplanationsInFlight,
        MaxQueuedTexts = maxQueuedTexts,
        MaxConnections = maxConnections,
        Classifier = new TextClassifierOptions { Session = new OrtSessionSettings { IntraOpThreads = 1 }, MaxLength = maxLength },
        ShutdownTimeout = TimeSpan.FromSeconds(10),
    };

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, string? apiKey = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return Client.SendAsync(request, cancellationToken);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return Client.SendAsync(request);
    }

    /// <summary>Posts one text and returns the top label of the answer, failing on any non-200 status.</summary>
    public async Task<string> PredictTopLabelAsync(string text, string? apiKey = null, CancellationToken cancellationToken = default)
    {
        using var response = await PostJsonAsync("/predict", JsonSerializer.Serialize(new { inputs = text }), apiKey, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement[0].GetProperty("label").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
        _modelDirectory.Dispose();
    }
}
