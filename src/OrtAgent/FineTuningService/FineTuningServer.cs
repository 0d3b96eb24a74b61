using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService;

/// <summary>
/// Builds <c>serve --fine-tuning</c>: the OpenAI-compatible files, fine-tuning jobs, models and chat-completions API
/// under <c>/v1</c>, <c>/predict</c> over every served model, and the <c>/health</c>, <c>/metrics</c>, API keys,
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
    public static WebApplication Build(FineTuningServiceOptions options, IBaseModelResolver baseModels, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = FineTuningStore.Open(options.StoreDirectory);
        var models = new ServedModels(store, options);
        var builder = InferenceServer.CreateBuilder(options.Serving, configureLogging);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(_ => models);
        builder.Services.AddSingleton(baseModels);
        builder.Services.AddSingleton<StoredFiles>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JobQueue>());
        builder.Services.AddSingleton<IFineTuningJobs, FineTuningJobs>();
        builder.Services.AddSingleton<FilesEndpoints>();
        builder.Services.AddSingleton<JobsEndpoints>();
        builder.Services.AddSingleton<ModelsEndpoints>();
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();

        var app = InferenceServer.BuildWithMiddleware(builder, options.Serving);
        ServingEndpoints.MapOperations(app, app.Services.GetRequiredService<ServingMetrics>());
        app.Services.GetRequiredService<FilesEndpoints>().Map(app);
        app.Services.GetRequiredService<JobsEndpoints>().Map(app);
        app.Services.GetRequiredService<ModelsEndpoints>().Map(app);
        app.Services.GetRequiredService<ChatCompletionsEndpoint>().Map(app);
        app.MapFallback("/v1/{**path}", OpenAIErrorEnvelope.Handle(context =>
            throw OpenAIApiException.NotFound($"{context.Request.Method} {context.Request.Path} is not an endpoint of this service", code: "unknown_url")));
        return app;
    }
}
