using System.Reflection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The stdio server's log filter: a request the client cancelled was a warning with a stack trace from the SDK on every
/// cancel (the TypeScript SDK's client cancels on an AbortSignal and on its 60 s timeout); that entry is dropped, and
/// nothing else is.
/// </summary>
public sealed class CancelledRequestLogFilterTests
{
    private static readonly EventId HandlerFailed = new(975074943, CancelledRequestLogFilter.RequestHandlerFailed);

    [Fact]
    public void ACancelledRequestsHandlerFailureIsDroppedAndEveryOtherEntryPasses()
    {
        var written = new List<string>();
        using var filter = new CancelledRequestLogFilter(new RecordingProvider(written));
        var logger = filter.CreateLogger("ModelContextProtocol.Server.McpServer");

        logger.Log(LogLevel.Warning, HandlerFailed, "cancelled", new OperationCanceledException(), (s, _) => s);
        logger.Log(LogLevel.Warning, HandlerFailed, "failed", new McpProtocolException("Method 'x' is not available.", McpErrorCode.MethodNotFound), (s, _) => s);
        logger.Log(LogLevel.Warning, new EventId(1, "Other"), "other cancel", new OperationCanceledException(), (s, _) => s);
        logger.Log(LogLevel.Information, HandlerFailed, "no exception", null, (s, _) => s);

        Assert.Equal(["failed", "other cancel", "no exception"], written);
    }

    /// <summary>The filter knows the entry by the SDK's name for it; an SDK that renamed it would make the filter a no-op.</summary>
    [Fact]
    public void TheSdkStillLogsHandlerFailuresUnderTheNameTheFilterDrops()
    {
        var handler = typeof(McpException).Assembly.GetType("ModelContextProtocol.McpSessionHandler", throwOnError: true)!;
        Assert.NotNull(handler.GetMethod(CancelledRequestLogFilter.RequestHandlerFailed, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public));
    }

    private sealed class RecordingProvider(List<string> written) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(written);

        public void Dispose() { }
    }

    private sealed class Recorder(List<string> written) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            written.Add(formatter(state, exception));
    }
}
