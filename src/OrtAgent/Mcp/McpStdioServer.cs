using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService;
using OrtAgent.Runtime;

namespace OrtAgent.Mcp;

/// <summary>
/// The stdio MCP server behind <c>ortagent mcp</c>: its own small host with the SDK's stdio transport, the tools from
/// <see cref="McpToolRegistration"/>, and every log line on stderr. With a fine-tuning store it also hosts the
/// fine-tuning service in-process (the same store, queue and jobs as <c>serve --fine-tuning</c>) and its tools.
/// </summary>
internal sealed class McpStdioServer(IBaseModelResolver baseModels) : IMcpStdioServer
{
    public async Task RunAsync(McpStdioRequest request, CancellationToken cancellationToken)
    {
        // An InvalidOptionException naming the ToolLimits property, which the command line words as its flag.
        request.Limits.Validate();
        if (request.FineTuning is { } fineTuning)
        {
            fineTuning.Validate();
            var fineTuningGate = StdioGate();
            var host = BuildFineTuningHost(request.Limits, fineTuning, baseModels, fineTuningGate);
            await RunOnStdioAsync(host, fineTuningGate, cancellationToken).ConfigureAwait(false);
            return;
        }
        var models = await Task.Run(() => Load(request), cancellationToken).ConfigureAwait(false);
        try
        {
            var catalog = new ToolModelCatalog(models);
            var gate = StdioGate();
            var host = BuildHost(request.Limits, gate, services => services.AddSingleton(catalog));
            await RunOnStdioAsync(host, gate, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    private static List<LoadedToolModel> Load(McpStdioRequest request)
    {
        // Before any load, as the fine-tuning service refuses it: a clash costs no model load. The tools find a model
        // whatever its case (ToolModelCatalog), so names that differ only in case clash too.
        Serving.ModelNameTaken.RefuseSameNames(request.ModelDirectories, StringComparer.OrdinalIgnoreCase);
        var models = new List<LoadedToolModel>(request.ModelDirectories.Count);
        try
        {
            foreach (var directory in request.ModelDirectories)
            {
                var classifier = TextClassifier.Load(directory, request.Classifier);
                models.Add(new LoadedToolModel(Serving.ServingEndpoints.ModelName(directory), classifier));
                // As serve loads a model: explain.onnx checked now (a damaged one stops the start) and held open, so a
                // folder renamed over after the start does not turn explain_text into "the model was replaced".
                if (classifier.CanExplain) classifier.CheckExplainer();
                // stderr: stdout carries JSON-RPC only.
                if (Inference.Int8OnGpu.Warning(directory, classifier.Info, request.Classifier.Session.Device) is { } warning)
                    Console.Error.WriteLine($"warning: {warning}");
            }
            return models;
        }
        catch
        {
            foreach (var model in models) model.Dispose();
            throw;
        }
    }

    private static JsonRpcLineGate StdioGate() =>
        // Started without stdin (<&-), the server ends at once, as at the end of its input: descriptor 0 is then the
        // runtime's own pipe, which nothing writes to, and reading it waited for ever.
        new(Cli.StandardStreams.AtStart.InputClosed ? Stream.Null : Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error,
            answerWait: StdioHostRun.InFlightDrain);

    /// <summary>Runs <paramref name="host"/> on the gate's streams until stdin closes or the process is stopped; disposes of the host.</summary>
    private static async Task RunOnStdioAsync(IHost host, JsonRpcLineGate gate, CancellationToken cancellationToken)
    {
        // The transport writes to the raw stdout stream; anything else that reaches Console.Out (a library's stray
        // line) would corrupt the JSON-RPC stream, so for as long as the server runs Console.Out is stderr.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        // Not awaited once the host stops: a read of stdin cannot be interrupted, and the process is ending.
        using var stopPumping = new CancellationTokenSource();
        var inputEnded = gate.PumpAsync(stopPumping.Token);
        try
        {
            await StdioHostRun.RunAsync(host, inputEnded, StdioHostRun.AfterInputDrain, StdioHostRun.DisposalWait, Console.Error, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stopPumping.Cancel();
            Console.SetOut(stdout);
        }
    }

    /// <summary>
    /// The host with the fine-tuning service and its tools, built as <c>serve --fine-tuning</c>'s is
    /// (<see cref="FineTuningServer.WithFineTuningService"/>): a build that fails once the store is open gives it up.
    /// A test's <c>configureServices</c> runs after every registration, so that one there replaces one of them.
    /// </summary>
    internal static IHost BuildFineTuningHost(ToolLimits limits, FineTuningServiceOptions fineTuning, IBaseModelResolver baseModels, JsonRpcLineGate gate,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = CreateBuilder();
        return FineTuningServer.WithFineTuningService(builder.Services, fineTuning, baseModels, FineTuningService.Store.StoreHolder.McpStdio, () =>
        {
            // The client runs on this machine as this user, so a training file may be a path it has.
            builder.Services.AddSingleton(new FineTuningToolOptions(AllowLocalPaths: true));
            builder.Services.AddSingleton(FineTuningServer.ServiceToolCatalog);
            AddServer(builder, limits, withFineTuning: true, gate);
            configureServices?.Invoke(builder.Services);
            return builder.Build();
        });
    }

    /// <param name="limits">The per-call limits.</param>
    /// <param name="gate">The stdio streams the transport reads and writes, lines that are not JSON answered before it.</param>
    /// <param name="addModels">Registers the <see cref="ToolModelCatalog"/>.</param>
    private static IHost BuildHost(ToolLimits limits, JsonRpcLineGate gate, Action<IServiceCollection> addModels)
    {
        var builder = CreateBuilder();
        addModels(builder.Services);
        AddServer(builder, limits, withFineTuning: false, gate);
        return builder.Build();
    }

    /// <summary>A host whose every log line goes to stderr, as single lines.</summary>
    private static HostApplicationBuilder CreateBuilder()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "ortagent-mcp" });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("OrtAgent", LogLevel.Information);
        // stdout belongs to the protocol: every log level goes to stderr.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // The console logger behind the filter that keeps a client's cancel from reading as a server failure.
        CancelledRequestLogFilter.WrapConsole(builder.Logging);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        return builder;
    }

    /// <summary>The limits and the MCP server with its tools, on the gate's streams.</summary>
    private static void AddServer(HostApplicationBuilder builder, ToolLimits limits, bool withFineTuning, JsonRpcLineGate gate)
    {
        builder.Services.AddSingleton(limits);
        builder.Services.AddOrtAgentMcpServer(withFineTuning).WithStreamServerTransport(gate.ServerInput, gate.ServerOutput);
    }
}
