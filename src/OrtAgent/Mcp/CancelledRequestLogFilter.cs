using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace OrtAgent.Mcp;

/// <summary>
/// Wraps a host's console logger (the stdio server's, and <c>serve</c>'s, which maps the same tools at <c>/mcp</c>) to drop one SDK entry: "request handler failed" for a request the client
/// cancelled (<c>notifications/cancelled</c>, which the TypeScript SDK's client sends when a call's AbortSignal fires
/// or its 60 s timeout passes). The SDK sends the cancelled call's answer with the cancelled token, and logged the
/// resulting <see cref="OperationCanceledException"/> as a warning with its stack trace, on every cancel, after
/// <see cref="ToolCallGuard"/>'s own line that says the call was cancelled. Every other entry passes unchanged.
/// </summary>
internal sealed class CancelledRequestLogFilter(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    /// <summary>The SDK's name for the event (its <c>McpSessionHandler</c> logging method), which it logs at Warning.</summary>
    internal const string RequestHandlerFailed = "LogRequestHandlerException";

    /// <summary>Puts the filter in front of the console logger <paramref name="logging"/> has registered.</summary>
    internal static void WrapConsole(ILoggingBuilder logging)
    {
        var services = logging.Services;
        services.Remove(services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)));
        services.AddSingleton<ConsoleLoggerProvider>();
        services.AddSingleton<ILoggerProvider>(provider => new CancelledRequestLogFilter(provider.GetRequiredService<ConsoleLoggerProvider>()));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope scoped) scoped.SetScopeProvider(scopeProvider);
    }

    public void Dispose() => inner.Dispose();

    internal static bool IsCancelledRequest(EventId eventId, Exception? exception) =>
        exception is OperationCanceledException && eventId.Name == RequestHandlerFailed;

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsCancelledRequest(eventId, exception)) return;
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
