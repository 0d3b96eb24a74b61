using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OrtAgent.Runtime;

namespace OrtAgent.Mcp;

/// <summary>
/// The stdio MCP server behind <c>ortagent mcp</c>: its own small host with the SDK's stdio transport, the tools from
/// <see cref="McpToolRegistration"/>, and every log line on stderr.
/// </summary>
internal sealed class McpStdioServer : IMcpStdioServer
{
    public async Task RunAsync(McpStdioRequest request, CancellationToken cancellationToken)
    {
        try
        {
            request.Limits.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UserInputException(ex.Message, ex);
        }
        var models = await Task.Run(() => Load(request), cancellationToken).ConfigureAwait(false);
        try
        {
            ToolModelCatalog catalog;
            try
            {
                catalog = new ToolModelCatalog(models);
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException(ex.Message, ex);
            }
            using var host = BuildHost(catalog, request.Limits);
            // The transport writes to the raw stdout stream; anything else that reaches Console.Out (a library's stray
            // line) would corrupt the JSON-RPC stream, so for as long as the server runs Console.Out is stderr.
            var stdout = Console.Out;
            Console.SetOut(Console.Error);
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Console.SetOut(stdout);
            }
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    private static List<LoadedToolModel> Load(McpStdioRequest request)
    {
        var models = new List<LoadedToolModel>(request.ModelDirectories.Count);
        try
        {
            foreach (var directory in request.ModelDirectories)
                models.Add(new LoadedToolModel(ToolModelCatalog.NameFor(directory), TextClassifier.Load(directory, request.Classifier)));
            return models;
        }
        catch
        {
            foreach (var model in models) model.Dispose();
            throw;
        }
    }

    private static IHost BuildHost(ToolModelCatalog catalog, ToolLimits limits)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "ortagent-mcp" });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("OrtAgent", LogLevel.Information);
        // stdout belongs to the protocol: every log level goes to stderr.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(limits);
        builder.Services.AddOrtAgentMcpServer().WithStdioServerTransport();
        return builder.Build();
    }
}
