using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Mcp;
using OrtAgent.Serving;
using ModelContextProtocol.AspNetCore;

namespace OrtAgent.FineTuningService;

/// <summary>
/// Builds <c>serve --fine-tuning</c>: the OpenAI-compatible files, fine-tuning jobs, models and chat-completions API
/// under <c>/v1</c>, <c>/predict</c>, <c>/explain</c> and <c>/info</c> over every served model, and the <c>/health</c>, <c>/metrics</c>, API keys,
/// limits and graceful shutdown of <c>serve</c>. The job queue is a hosted service: it starts with the app (resuming
/// jobs a previous run left running) and, on stop, checkpoints the running jobs before the app exits.
/// </summary>
public static class FineTuningServer
{
    /// <summary>Opens the store and returns a configured, not yet started application.</summary>
    /// <param name="options">The store, models, queue and serving settings.</param>
    /// <param name="baseModels">Resolves base-model names for training (the CLI's resolver).</param>
    /// <param name="configureLogging">Where logs go; console logging when null.</param>
    /// <exception cref="InvalidOptionException">An option cannot work.</exception>
    /// <exception cref="UserInputException">The store or a <c>--model</c> directory cannot be used.</exception>
    public static WebApplication Build(FineTuningServiceOptions options, IBaseModelResolver baseModels, Action<ILoggingBuilder>? configureLogging = null) =>
        Build(options, baseModels, configureLogging, configureServices: null);

    /// <summary>
    /// As <see cref="Build(FineTuningServiceOptions, IBaseModelResolver, Action{ILoggingBuilder}?)"/>, with
    /// <paramref name="configureServices"/> run after the service's own registrations, so that a registration there
    /// takes the place of one of them, as <c>WebApplicationFactory</c>'s <c>ConfigureTestServices</c> does (tests put
    /// their own <see cref="ITrainingFileRows"/> there).
    /// </summary>
    internal static WebApplication Build(FineTuningServiceOptions options, IBaseModelResolver baseModels, Action<ILoggingBuilder>? configureLogging,
        Action<IServiceCollection>? configureServices)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // An address in use is found before the store is opened (and an earlier one migrated); one taken between this
        // check and the start is caught there (ServingService), where a store this start made is removed again and an
        // earlier one it migrated gets its database back as it was.
        ServerStartup.RefuseAddressesInUse(options.Serving.Urls);
        // So is a certificate that does not load.
        var certificate = InferenceServer.LoadCertificate(options.Serving);
        // A batcher a model, so their batch sizes are counted by model.
        var builder = InferenceServer.CreateBuilder(options.Serving, certificate, configureLogging, batchesByModel: true);
        try
        {
            return WithFineTuningService(builder.Services, options, baseModels, StoreHolder.Serve, () => BuildApp(builder, options, configureServices));
        }
        catch
        {
            certificate?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Adds the service (<see cref="AddFineTuningService"/>), then builds the host that owns it with
    /// <paramref name="buildHost"/>. Should that throw, nothing owns the store yet (no host is returned to dispose): its
    /// claim stayed held, its lock file and holder record stayed in it, and a store this start made stayed on disk. So
    /// it is given up, left as it was found, and the models unloaded. Both hosts, <c>serve</c>'s and <c>mcp</c>'s, build here.
    /// </summary>
    internal static THost WithFineTuningService<THost>(IServiceCollection services, FineTuningServiceOptions options, IBaseModelResolver baseModels,
        StoreHolder holder, Func<THost> buildHost)
    {
        var opened = AddFineTuningService(services, options, baseModels, holder);
        try
        {
            return buildHost();
        }
        catch
        {
            opened.Store.Abandon();
            opened.Models.Dispose();
            throw;
        }
    }

    private static WebApplication BuildApp(WebApplicationBuilder builder, FineTuningServiceOptions options, Action<IServiceCollection>? configureServices)
    {
        builder.Services.AddSingleton<ModelBatchers>();
        // The same MCP tools as serve's /mcp, over this service's models, plus the fine-tuning tools; a remote caller
        // names uploaded files or sends examples inline, never paths on this machine.
        builder.Services.AddSingleton(new ToolLimits { MaxInputs = options.Serving.MaxInputsPerRequest, MaxChars = options.Serving.MaxCharsPerInput, MaxExplainSteps = options.Serving.MaxExplainSteps });
        builder.Services.AddSingleton(new FineTuningToolOptions(AllowLocalPaths: false, options.Serving.BodyLimitBytes));
        builder.Services.AddSingleton(services => ServiceToolCatalog(services));
        builder.Services.AddOrtAgentMcpServer(withFineTuning: true)
            .WithHttpTransport(transport =>
            {
                transport.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
                transport.ConfigureSessionOptions = InferenceKeyTools.ConfigureSession;
                InferenceKeyTools.KeepScopePerRequest(transport);
                OpenMcpSessions.ListSessionsOf(transport);
            });
        builder.Services.AddSingleton<FilesEndpoints>();
        builder.Services.AddSingleton<JobsEndpoints>();
        builder.Services.AddSingleton<ServedModelsChoice>();
        builder.Services.AddSingleton<IModelChoice>(services => services.GetRequiredService<ServedModelsChoice>());
        builder.Services.AddSingleton<ModelRoutes>();
        builder.Services.AddSingleton<ModelsEndpoints>();
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        configureServices?.Invoke(builder.Services);

        var app = InferenceServer.BuildWithMiddleware(builder, options.Serving, fullKeyScope: "manage files, fine-tuning jobs and models");
        app.Services.GetRequiredService<StoppingGate>().StoppingToken.Register(app.Services.GetRequiredService<ServedModels>().StopWaiting);
        // After routing and the API keys: a path with an empty id is the object's 404 whatever routing matched it to.
        app.UseMiddleware<EmptyIdPaths>();
        ServingEndpoints.MapOperations(app, app.Services.GetRequiredService<ServingMetrics>());
        app.Services.GetRequiredService<FilesEndpoints>().Map(app);
        app.Services.GetRequiredService<JobsEndpoints>().Map(app);
        app.Services.GetRequiredService<ModelsEndpoints>().Map(app);
        // serve's /explain and /info, over the model a request names: explanations share the queue of explain_text.
        app.Services.GetRequiredService<ModelRoutes>().Map(app);
        app.Services.GetRequiredService<ChatCompletionsEndpoint>().Map(app);
        // Inference keys reach /mcp, where the tool filters offer them the tools that classify and explain (Mcp.InferenceKeyTools).
        app.MapMcp(InferenceServer.McpPath).AllowInferenceKeys();
        // No fallback endpoint under /v1: one matched every method on every path, so PUT /v1/files was its 404 rather
        // than routing's 405 with Allow. EmptyErrorBodies answers both in OpenAI's envelope (unknown_url for a path
        // without an endpoint, method_not_allowed for a known path's other methods).
        return app;
    }

    /// <summary>
    /// The store, the models, the job queue (a hosted service: it resumes interrupted jobs at start and checkpoints
    /// running ones at stop) and <see cref="IFineTuningJobs"/>: the service without its HTTP endpoints, for any host.
    /// </summary>
    /// <exception cref="UserInputException">The store or a <c>--model</c> directory cannot be used.</exception>
    /// <param name="services">The host's services.</param>
    /// <param name="options">The service's options.</param>
    /// <param name="baseModels">Resolves base encoders by name.</param>
    /// <param name="holder">The command this process runs, which another start refused the store is told.</param>
    /// <returns>The store and models it opened, for a host whose build fails before it owns them to give them up.</returns>
    internal static OpenedService AddFineTuningService(IServiceCollection services, FineTuningServiceOptions options, IBaseModelResolver baseModels, StoreHolder holder)
    {
        // The --model and --base-model directories before the store: a start refused for one of them neither made a new
        // store nor migrated an earlier one. The --model names are held to the store's models as it opens, before it
        // removes anything, so that a refusal for one leaves it as it was.
        var models = new ServedModels(options);
        FineTuningStore store;
        try
        {
            store = FineTuningStore.Open(options.StoreDirectory, holder, models.UseStore);
        }
        catch
        {
            models.Dispose();
            throw;
        }
        services.AddSingleton(options);
        // A factory registration, so the container disposes the store (its claim) with the host.
        services.AddSingleton(_ => store);
        services.AddSingleton(provider =>
        {
            models.Logger = provider.GetRequiredService<ILogger<ServedModels>>();
            return models;
        });
        services.AddSingleton(baseModels);
        services.AddSingleton<StoreRoom>();
        services.AddSingleton<StoredFiles>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobQueue>();
        services.AddHostedService(provider => provider.GetRequiredService<JobQueue>());
        services.AddSingleton<ITrainingFileRows, TrainingFileRows>();
        services.AddSingleton<IFineTuningJobs, FineTuningJobs>();
        return new OpenedService(store, models);
    }

    /// <summary>What <see cref="AddFineTuningService"/> opened, which the container owns only once the host is built.</summary>
    internal sealed record OpenedService(FineTuningStore Store, ServedModels Models);

    /// <summary>
    /// Undoes a start refused after <see cref="Build(FineTuningServiceOptions, IBaseModelResolver, Action{ILoggingBuilder}?)"/> opened the store (a port taken since the build checked it): a
    /// store this start made is removed, and an earlier one it migrated gets its database back (<see cref="FineTuningStore.Abandon"/>). The job queue's loop is stopped and
    /// waited for first: the host ran it in the background before the bind failed and stops nothing after a failed
    /// start, and its first look for jobs to run, late on a busy machine, opened the store's database while it was being
    /// removed and made it again, leaving the store's folder behind.
    /// </summary>
    internal static async Task AbandonFailedStartAsync(IServiceProvider services)
    {
        await services.GetRequiredService<JobQueue>().StopAsync(CancellationToken.None).ConfigureAwait(false);
        services.GetRequiredService<FineTuningStore>().Abandon();
    }

    /// <summary>
    /// Every servable model of the service, asked again on each tool call so new models appear at once. Where the host
    /// batches (<see cref="ModelBatchers"/>: <c>serve --fine-tuning</c>), tool calls share each model's batches.
    /// </summary>
    internal static ToolModelCatalog ServiceToolCatalog(IServiceProvider services)
    {
        var models = services.GetRequiredService<ServedModels>();
        var batchers = services.GetService<ModelBatchers>();
        // Asked per call: the hints name fine-tuning only to a key that may start it (InferenceKeyTools).
        bool CallerMayFineTune() => InferenceKeyTools.CallableOf([FineTuningTools.StartToolName], services).Any();
        return ToolModelCatalog.Live(() => ServiceToolModel.All(models, batchers), name => models.WhyNotServed(name, CallerMayFineTune()), CallerMayFineTune);
    }
}
