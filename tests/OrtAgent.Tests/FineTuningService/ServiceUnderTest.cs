using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Serving;
using OrtAgent.Serving.Tls;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A real fine-tuning service on 127.0.0.1 (port chosen by the OS) over a given store, with the tiny base model
/// registered as <c>tiny</c>, an OpenAI client that never retries, and a plain <see cref="HttpClient"/>.
/// </summary>
internal sealed class ServiceUnderTest : IAsyncDisposable
{
    public const string ApiKey = "test-key";

    private ServiceUnderTest(WebApplication app, RecordingLoggerProvider logs)
    {
        App = app;
        Logs = logs;
        BaseAddress = new Uri(app.Urls.Single());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        OpenAI = Client(ApiKey);
    }

    public WebApplication App { get; }

    /// <summary>What the service logged, from warnings up.</summary>
    public RecordingLoggerProvider Logs { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public OpenAIClient OpenAI { get; }

    /// <summary>The job's record, as <c>GET /v1/fine_tuning/jobs/{id}</c> returns it.</summary>
    public async Task<JsonElement> JobAsync(string jobId) => await Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}");

    /// <summary>
    /// Polls the job every 50 ms until its status is one <paramref name="reached"/> accepts and returns its record; fails
    /// the test once <paramref name="bound"/> has passed.
    /// </summary>
    public async Task<JsonElement> WaitForJobAsync(string jobId, Func<string, bool> reached, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        JsonElement job;
        while (!reached((job = await JobAsync(jobId)).GetProperty("status").GetString()!))
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} is still {job.GetProperty("status")} after {bound}");
            await Task.Delay(50);
        }
        return job;
    }

    /// <summary>An OpenAI client for this server with <paramref name="key"/>, retries off (a retried 5xx would hide it).</summary>
    public OpenAIClient Client(string key) => new(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(60),
    });

    /// <summary>
    /// Starts a service over <paramref name="store"/>; <paramref name="baseModels"/>, when given, resolves the jobs' base
    /// models (a test holds a job's start there); <paramref name="modelDirectories"/> are served as <c>--model</c> ones;
    /// <paramref name="maxBatch"/>, <paramref name="maxWaitMs"/> and <paramref name="maxQueuedTexts"/> are <c>--max-batch</c>,
    /// <c>--max-wait-ms</c> and <c>--max-queue</c>; <paramref name="maxStoreBytes"/> is <c>--max-store-bytes</c>; <paramref name="apiKeys"/>
    /// (default: <see cref="ApiKey"/>) and <paramref name="inferenceApiKeys"/> are <c>--api-key</c> and <c>--inference-api-key</c>; <paramref name="beforeStart"/> sees the built service before it starts (and resumes the jobs its store left running);
    /// <paramref name="rowReader"/>, when given, reads the training files' rows in place of the service's own reader;
    /// <paramref name="minimumLogLevel"/> is the least level <see cref="Logs"/> records (warnings and errors unless asked).
    /// </summary>
    public static async Task<ServiceUnderTest> StartAsync(string store, string tinyBaseModel, int metricsEvery = 5, long maxUploadBytes = 512L * 1024 * 1024,
        int maxQueuedJobs = 100, IBaseModelResolver? baseModels = null, int maxLoadedModels = 8, string[]? modelDirectories = null,
        int maxBatch = 32, int maxWaitMs = 5, Action<WebApplication>? beforeStart = null, int maxQueuedTexts = 4096, long? maxStoreBytes = null,
        string[]? apiKeys = null, string[]? inferenceApiKeys = null, ITrainingFileRows? rowReader = null, LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var logs = new RecordingLoggerProvider();
        var app = Build(store, tinyBaseModel, logs, metricsEvery: metricsEvery, maxUploadBytes: maxUploadBytes, maxQueuedJobs: maxQueuedJobs, baseModels: baseModels,
            maxLoadedModels: maxLoadedModels, modelDirectories: modelDirectories, maxBatch: maxBatch, maxWaitMs: maxWaitMs, maxQueuedTexts: maxQueuedTexts, maxStoreBytes: maxStoreBytes,
            apiKeys: apiKeys, inferenceApiKeys: inferenceApiKeys, rowReader: rowReader, minimumLogLevel: minimumLogLevel);
        beforeStart?.Invoke(app);
        await app.StartAsync();
        return new ServiceUnderTest(app, logs);
    }

    /// <summary>
    /// Builds, without starting, the service <see cref="StartAsync"/> starts, listening on <paramref name="url"/> (an https
    /// one with <paramref name="certificate"/>), logging to <paramref name="logs"/>; the caller starts (or fails to start) and disposes it.
    /// <paramref name="configureServices"/> runs after the service's registrations, so one made there replaces the service's.
    /// </summary>
    public static WebApplication Build(string store, string tinyBaseModel, RecordingLoggerProvider logs, string url = "http://127.0.0.1:0", int metricsEvery = 5,
        long maxUploadBytes = 512L * 1024 * 1024, int maxQueuedJobs = 100, IBaseModelResolver? baseModels = null, int maxLoadedModels = 8,
        string[]? modelDirectories = null, int maxBatch = 32, int maxWaitMs = 5, int maxQueuedTexts = 4096, long? maxStoreBytes = null,
        string[]? apiKeys = null, string[]? inferenceApiKeys = null, ITrainingFileRows? rowReader = null, LogLevel minimumLogLevel = LogLevel.Warning,
        ServerCertificateOptions? certificate = null, Action<IServiceCollection>? configureServices = null)
    {
        var options = new FineTuningServiceOptions
        {
            Serving = new ServingOptions
            {
                Urls = [url], ApiKeys = apiKeys ?? [ApiKey], InferenceApiKeys = inferenceApiKeys ?? [], MaxBatch = maxBatch, MaxWaitMs = maxWaitMs, MaxQueuedTexts = maxQueuedTexts,
                Certificate = certificate,
            },
            StoreDirectory = store,
            BaseModels = new Dictionary<string, string> { ["tiny"] = tinyBaseModel },
            MetricsEverySteps = metricsEvery,
            MaxUploadBytes = maxUploadBytes,
            MaxQueuedJobs = maxQueuedJobs,
            MaxLoadedModels = maxLoadedModels,
            MaxStoreBytes = maxStoreBytes,
            ModelDirectories = modelDirectories ?? [],
            Classifier = new Runtime.TextClassifierOptions { Session = new Runtime.OrtSessionSettings { IntraOpThreads = 1 } },
        };
        return FineTuningServer.Build(options, baseModels ?? new BaseModelResolver(new FakeBaseModelStore()), logging => logging.SetMinimumLevel(minimumLogLevel).AddProvider(logs),
            services =>
            {
                if (rowReader is not null) services.AddSingleton<ITrainingFileRows>(rowReader);
                configureServices?.Invoke(services);
            });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
