using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// The one place that says what an OrtAgent MCP server offers, so <c>ortagent mcp</c> (stdio) and <c>serve</c>'s
/// <c>/mcp</c> (streamable HTTP) map the same tools. The caller adds the transport and registers a
/// <see cref="ToolModelCatalog"/> and <see cref="ToolLimits"/>; with the fine-tuning service, also its
/// <c>IFineTuningJobs</c> and <see cref="FineTuningToolOptions"/>. An <see cref="ExplanationQueue"/> is added here only
/// where the host has none (stdio).
/// </summary>
internal static class McpToolRegistration
{
    public const string ServerName = "ortagent";

    /// <summary>
    /// How every tool's result (and its output schema) is written: snake_case fields, as the tools' arguments, their
    /// descriptions and the fine-tuning service's OpenAI-shaped API spell theirs (<c>job_id</c>, <c>fine_tuned_model</c>).
    /// A null field is written as null, not left out (the SDK's default): the output schemas list every field without a
    /// default as required, <c>["string", "null"]</c> for a nullable one, and clients that check a result against its
    /// schema, as the TypeScript SDK's does, refused a job without its <c>fine_tuned_model</c> yet.
    /// </summary>
    internal static readonly JsonSerializerOptions SerializerOptions = new(McpJsonUtilities.DefaultOptions)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <param name="services">The host's services.</param>
    /// <param name="withFineTuning">Whether to add the fine-tuning tools (<see cref="FineTuningTools"/>).</param>
    public static IMcpServerBuilder AddOrtAgentMcpServer(this IServiceCollection services, bool withFineTuning = false)
    {
        var builder = services.AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation { Name = ServerName, Title = "OrtAgent text classifiers", Version = Version };
                options.ServerInstructions = Instructions(withFineTuning);
            })
            .WithMessageFilters(filters =>
            {
                filters.AddIncomingFilter(CancelledRequestPostEnd.Create);
                filters.AddIncomingFilter(UnknownMethodCheck.Create);
                filters.AddIncomingFilter(ToolCallParamsCheck.Create);
                filters.AddIncomingFilter(RequestParamsCheck.Create);
            })
            .WithRequestFilters(filters =>
            {
                // The key's scope first: a tool an inference key may not call is refused before its arguments are read.
                filters.AddListToolsFilter(InferenceKeyTools.ListFilter);
                filters.AddCallToolFilter(InferenceKeyTools.CallFilter);
                filters.AddCallToolFilter(ToolCallGuard.Create);
            })
            .WithTools<ModelTools>(SerializerOptions)
            .WithTools<ClassificationTools>(SerializerOptions)
            .WithTools<ExplanationTools>(SerializerOptions);
        // The limits the host registered, in the schemas a client reads before it calls.
        services.AddOptions<McpServerOptions>().PostConfigure<ToolLimits>((options, limits) =>
        {
            foreach (var tool in options.ToolCollection ?? []) ToolSchemaLimits.Apply(tool.ProtocolTool, limits);
        });
        // The servers add theirs with the host (InferenceServer.CreateBuilder); ortagent mcp over stdio gets the default.
        services.TryAddSingleton(_ => new ExplanationQueue(new Serving.ServingOptions().MaxExplanationsInFlight));
        if (!withFineTuning) return builder;
        // What a tool may read depends on the transport (FineTuningToolOptions), and its descriptions say so.
        services.AddOptions<McpServerOptions>().PostConfigure<FineTuningToolOptions>((options, fineTuning) =>
        {
            foreach (var tool in options.ToolCollection ?? []) FineTuningTools.DescribeFor(tool.ProtocolTool, fineTuning);
        });
        return builder.WithTools<FineTuningTools>(SerializerOptions);
    }

    /// <summary>What the server tells a client's agent at <c>initialize</c>; the fine-tuning tools only where it may call them.</summary>
    internal static string Instructions(bool withFineTuning) =>
        "Fine-tuned text classifiers running locally. Call list_models to see which models are loaded and "
        + "what their labels are, then classify_text to label texts and explain_text to see which words drove a label."
        + (withFineTuning
            ? " To train a new classifier from labelled examples, call start_fine_tuning and poll get_fine_tuning_job until it has succeeded;"
                + " list_fine_tuning_jobs shows the jobs there are and cancel_fine_tuning_job stops one started by mistake."
            : "");

    private static string Version =>
        typeof(McpToolRegistration).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
