using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Serving.Tls;
using Prometheus;

namespace OrtAgent.Serving;

/// <summary>
/// Builds the HTTP prediction service: Kestrel serving one exported model with micro-batching, API keys, request
/// limits, Prometheus metrics and hot reload. The <c>serve</c> command calls <see cref="BuildAsync"/> and then runs the
/// returned application until its cancellation token fires.
/// </summary>
/// <example>
/// <code>
/// await using var app = await InferenceServer.BuildAsync(options, logging => logging.AddConsole(), cancellationToken);
/// await app.RunAsync(cancellationToken);   // or StartAsync + app.Urls to learn a port-0 address
/// </code>
/// </example>
public static class InferenceServer
{
    /// <summary>Where the MCP tools are mapped.</summary>
    public const string McpPath = "/mcp";

    /// <summary>
    /// Validates <paramref name="options"/>, loads the model and returns a configured, not yet started application.
    /// The model is loaded before this returns, so a bad model directory fails here rather than on the first request.
    /// </summary>
    /// <param name="options">What to serve and how.</param>
    /// <param name="configureLogging">Where request and batch logs go; console logging when null.</param>
    /// <param name="cancellationToken">Cancels waiting for the model load.</param>
    /// <exception cref="InvalidOptionException">An option cannot work; it names the <see cref="ServingOptions"/> property.</exception>
    /// <exception cref="ModelLoadException">The model directory cannot be served.</exception>
    /// <exception cref="DeviceUnavailableException">The requested device cannot be used.</exception>
    public static async Task<WebApplication> BuildAsync(ServingOptions options, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Before the model: a certificate refused costs no model load.
        var certificate = LoadCertificate(options);
        ClassifierSlot slot;
        try
        {
            slot = await Task.Run(() => ClassifierSlot.Load(options.ModelDirectory, options.Classifier), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            certificate?.Dispose();
            throw;
        }
        try
        {
            return Build(options, slot, certificate, configureLogging);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            slot.Dispose();
            certificate?.Dispose();
            throw;
        }
    }

    /// <summary>The certificate of the https addresses, read now, or null for a server on http alone.</summary>
    /// <exception cref="InvalidOptionException">A certificate file cannot be read or does not hold a usable certificate and key.</exception>
    internal static ReloadingServerCertificate? LoadCertificate(ServingOptions options) =>
        options.Certificate is { } certificate ? ReloadingServerCertificate.Load(certificate) : null;

    private static WebApplication Build(ServingOptions options, ClassifierSlot slot, ReloadingServerCertificate? certificate, Action<ILoggingBuilder>? configureLogging)
    {
        var builder = CreateBuilder(options, certificate, configureLogging, batchesByModel: false);
        // Created by a factory so the container disposes it (and with it the native session) when the app is disposed.
        builder.Services.AddSingleton(_ => slot);
        builder.Services.AddSingleton(services => new PredictionBatcher(
            services.GetRequiredService<BatchPredictorSeam>().Around(services.GetRequiredService<ClassifierSlot>()),
            options.MaxBatch,
            TimeSpan.FromMilliseconds(options.MaxWaitMs),
            services.GetRequiredService<ServingMetrics>(),
            services.GetRequiredService<ILogger<PredictionBatcher>>(),
            stopBegan: services.GetRequiredService<StoppingGate>().StoppingToken,
            maxQueuedTexts: options.MaxQueuedTexts));
        // Hosted services added here start before Kestrel and stop after it, so in-flight requests drain first.
        builder.Services.AddHostedService(services => services.GetRequiredService<PredictionBatcher>());
        builder.Services.AddSingleton<SlotModelChoice>();
        builder.Services.AddSingleton<IModelChoice>(services => services.GetRequiredService<SlotModelChoice>());
        builder.Services.AddSingleton<ModelRoutes>();
        builder.Services.AddSingleton<ServingEndpoints>();
        AddMcp(builder.Services, options);

        var app = BuildWithMiddleware(builder, options, fullKeyScope: "reload the model");
        app.Services.GetRequiredService<ServingEndpoints>().Map(app);
        // Inference keys reach /mcp, where the tool filters offer them the tools that classify and explain (Mcp.InferenceKeyTools).
        app.MapMcp(McpPath).AllowInferenceKeys();
        return app;
    }

    /// <summary>
    /// The host every OrtAgent server shares: Kestrel on the configured addresses with the body and connection limits, logging,
    /// shutdown timeout, the options and the Prometheus metrics as services.
    /// </summary>
    /// <param name="options">The addresses, limits and shutdown timeout.</param>
    /// <param name="certificate">What the https addresses present (<see cref="LoadCertificate"/>), owned by the app from here on; null without https.</param>
    /// <param name="configureLogging">Where logs go; console logging when null.</param>
    /// <param name="batchesByModel">Whether batch sizes are counted by model: a server with a batcher a model (<see cref="ServingMetrics"/>).</param>
    internal static WebApplicationBuilder CreateBuilder(ServingOptions options, ReloadingServerCertificate? certificate, Action<ILoggingBuilder>? configureLogging, bool batchesByModel)
    {
        // The empty builder reads no appsettings.json or ASPNETCORE_ variables: the serve command owns configuration and
        // hands everything over in ServingOptions, so nothing on disk silently changes what the server does.
        // The program's folder as content root, as the CLI's host has: the default, the working directory, was looked
        // up at once, and failed the start where it had been removed (nothing here reads files relative to it).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.WebHost.UseUrls([.. options.Urls]);
        if (certificate is not null)
        {
            // A factory registration, so that the container disposes it with the app.
            builder.Services.AddSingleton(_ => certificate);
            // The core Kestrel takes https addresses only with this; the empty builder has no configuration for it to read.
            builder.WebHost.UseKestrelHttpsConfiguration();
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.BodyLimitBytes;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            if (certificate is null) return;
            // Resolved from the container (at the bind), so that the container owns it and its log lines go where the server's do.
            kestrel.ConfigureHttpsDefaults(https => kestrel.ApplicationServices.GetRequiredService<ReloadingServerCertificate>()
                .Attach(https, kestrel.ApplicationServices.GetRequiredService<ILogger<ReloadingServerCertificate>>()));
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        builder.Logging.ClearProviders();
        if (configureLogging is null) builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        else configureLogging(builder.Logging);
        // RequestTelemetry writes the one line per request; ASP.NET's own per-request lines would double it.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => new ServingMetrics(new CollectorRegistry(), batchesByModel));
        builder.Services.AddSingleton<MappedRoutes>();
        builder.Services.AddSingleton<BatchPredictorSeam>();
        // One per server: /explain and the MCP tool explain_text share its places.
        builder.Services.AddSingleton(new ExplanationQueue(options.MaxExplanationsInFlight));
        // For the MCP tool calls: the SDK does not cancel a call whose POST the client hung up (ToolCallGuard links it).
        builder.Services.AddHttpContextAccessor();
        return builder;
    }

    /// <summary>
    /// Builds the app with request telemetry outermost, then the stopping gate, the Host and Origin check (so that what it refuses is
    /// counted and logged), routing, API keys, the refusal of a POST /mcp body the MCP SDK would misread, the caller's answer
    /// to a /mcp request without a session, and the error bodies ASP.NET leaves empty.
    /// </summary>
    /// <param name="builder">The server's builder.</param>
    /// <param name="options">Its options.</param>
    /// <param name="fullKeyScope">What only a full key may do on this server, which an inference key's 403 names.</param>
    internal static WebApplication BuildWithMiddleware(WebApplicationBuilder builder, ServingOptions options, string fullKeyScope)
    {
        // The last hosted service, so the first to hear of a stop: it turns requests away before the job queue checkpoints.
        builder.Services.AddSingleton<StoppingGate>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StoppingGate>());
        // Listed by the MCP transport (OpenMcpSessions.ListSessionsOf), read by the session check.
        builder.Services.AddSingleton<OpenMcpSessions>();
        var app = builder.Build();
        app.UseMiddleware<RequestTelemetry>();
        app.UseMiddleware<StoppingGate>();
        app.UseMiddleware<HostAndOriginCheck>();
        // Routing before authentication, so a refused request is counted under the endpoint it asked for.
        app.UseRouting();
        app.UseMiddleware<ApiKeyAuthentication>(options, fullKeyScope);
        // Before the session check, which reads a POST's body: one that cannot be read as sent is refused for that.
        app.UseMiddleware<McpRequestBodyCheck>();
        app.UseMiddleware<McpSessionHeaderCheck>();
        app.UseMiddleware<EmptyErrorBodies>();
        return app;
    }

    /// <summary>
    /// The MCP tools at <see cref="McpPath"/> (streamable HTTP), behind the same API keys and limits as <c>/predict</c>
    /// and answering through the same batcher. Clients that open with <c>initialize</c> (2025-11-25 and older) get a
    /// session; clients on 2026-07-28, which has no sessions, are served per request on the same endpoint.
    /// </summary>
    private static void AddMcp(IServiceCollection services, ServingOptions options)
    {
        services.AddSingleton(new ToolLimits { MaxInputs = options.MaxInputsPerRequest, MaxChars = options.MaxCharsPerInput, MaxExplainSteps = options.MaxExplainSteps });
        services.AddSingleton(provider => new ToolModelCatalog([
            new ServedToolModel(provider.GetRequiredService<SlotModelChoice>().Name, provider.GetRequiredService<ClassifierSlot>(), provider.GetRequiredService<PredictionBatcher>()),
        ]));
        services.AddOrtAgentMcpServer().WithHttpTransport(transport =>
        {
            transport.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
            InferenceKeyTools.KeepScopePerRequest(transport);
            OpenMcpSessions.ListSessionsOf(transport);
        });
    }
}
