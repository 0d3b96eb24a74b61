using Microsoft.Extensions.DependencyInjection;
using OrtAgent.BaseModels;
using OrtAgent.Commands;
using OrtAgent.Commands.Inference;
using OrtAgent.Commands.Models;
using OrtAgent.Inference;
using OrtAgent.Progress;

namespace OrtAgent.Cli;

/// <summary>
/// Everything the CLI resolves from the container. To add a command: write the service (interface + class) in its
/// feature folder, write a <see cref="BaseCommand"/> under <c>Commands/</c> that calls it, register both here, and add
/// the command to <see cref="OrtAgentRootCommand"/> (or to its group command) through its constructor.
/// </summary>
internal static class CliServices
{
    /// <summary>Services: the work commands delegate to. Tests replace these with hand-written fakes.</summary>
    public static IServiceCollection AddOrtAgentServices(this IServiceCollection services)
    {
        services.AddSingleton<IBaseModelStore, BaseModelStore>();
        services.AddSingleton<IBaseModelResolver, BaseModelResolver>();
        services.AddSingleton<FineTuning.ITrainingJob, FineTuning.TrainingJob>();
        services.AddSingleton<Distillation.IDistillationJob, Distillation.DistillationJob>();
        services.AddSingleton<Artifacts.IArtifactsService, Artifacts.ArtifactsService>();
        services.AddSingleton<Exporting.IExportService, Exporting.ExportService>();
        services.AddSingleton<IProgressDisplay, ConsoleProgressDisplay>();
        services.AddSingleton<InferenceModelLoader>();
        services.AddSingleton<IPredictionService, PredictionService>();
        services.AddSingleton<IEvaluationService, EvaluationService>();
        services.AddSingleton<Serving.IServingService, Serving.ServingService>();
        services.AddSingleton<Mcp.IMcpStdioServer, Mcp.McpStdioServer>();
        services.AddSingleton<Explanations.IExplanationService, Explanations.ExplanationService>();
        // Program replaces it with the one its Ctrl+C handler reads; a run in a test, with no handler, keeps this one.
        services.AddSingleton<StopNotice>();
        return services;
    }

    /// <summary>Commands: thin classes that parse arguments and call one service.</summary>
    public static IServiceCollection AddOrtAgentCommands(this IServiceCollection services)
    {
        services.AddSingleton<CliGlobalOptions>();
        services.AddSingleton<OrtAgentRootCommand>();
        services.AddSingleton<ModelsCommand>();
        services.AddSingleton<ModelsListCommand>();
        services.AddSingleton<ModelsPullCommand>();
        services.AddSingleton<TrainCommand>();
        services.AddSingleton<DistillCommand>();
        services.AddSingleton<ArtifactsCommand>();
        services.AddSingleton<ExportCommand>();
        services.AddSingleton<ServeCommand>();
        services.AddSingleton<PredictCommand>();
        services.AddSingleton<EvalCommand>();
        services.AddSingleton<McpCommand>();
        services.AddSingleton<ExplainCommand>();
        return services;
    }
}
