using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;

namespace OrtAgent.LoadTest;

/// <summary>
/// Serves the serving tests' toy bag-of-words model with <see cref="InferenceServer"/> until Ctrl+C, standing in for
/// <c>ortagent serve</c> until trained models exist. Only the model differs from a real deployment.
/// </summary>
internal static class ToyModelHost
{
    public static async Task RunAsync(LoadTestOptions options)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ortagent-loadtest-model-" + Environment.ProcessId);
        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        using var stop = new CancellationTokenSource();
        // Ctrl+C, and SIGTERM from scripts (background jobs of a non-interactive shell ignore SIGINT).
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            var serving = new ServingOptions
            {
                ModelDirectory = directory,
                Urls = [options.HostUrl],
                MaxBatch = options.MaxBatch,
                MaxWaitMs = options.MaxWaitMs,
                Classifier = new TextClassifierOptions { MaxBatchSize = Math.Max(32, options.MaxBatch) },
            };
            // Warnings only: a line per request would cost more than the toy model's inference.
            await using var app = await InferenceServer.BuildAsync(serving, logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning), stop.Token);
            await app.StartAsync(stop.Token);
            Console.WriteLine($"serving the toy model from {directory} on {string.Join(", ", app.Urls)} (max batch {options.MaxBatch}, max wait {options.MaxWaitMs} ms); Ctrl+C stops");
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            await app.StopAsync(CancellationToken.None);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
