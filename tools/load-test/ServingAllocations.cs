using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrtAgent.Bench;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;

namespace OrtAgent.LoadTest;

/// <summary>
/// Managed bytes allocated per <c>POST /predict</c> (one text) and <c>POST /explain</c> request, server and client in
/// this one process (<see cref="GC.GetTotalAllocatedBytes"/> counts every thread: Kestrel's, the micro-batcher's and
/// the client's). Requests go one after another, so each is its own micro-batch. The client's share (HttpClient,
/// the response read as a string) is the same before and after a change to the server, so differences are the server's.
/// </summary>
internal static class ServingAllocations
{
    private const int Requests = 50;

    public static async Task<int> RunAsync(LoadTestOptions options)
    {
        string? toyDirectory = null;
        var directory = options.ModelDirectory;
        if (directory is null)
        {
            toyDirectory = directory = Path.Combine(Path.GetTempPath(), "ortagent-allocations-model-" + Environment.ProcessId);
            ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        }
        try
        {
            var serving = new ServingOptions
            {
                ModelDirectory = directory,
                Urls = ["http://127.0.0.1:0"],
                MaxBatch = options.MaxBatch,
                MaxWaitMs = options.MaxWaitMs,
            };
            await using var app = await InferenceServer.BuildAsync(serving, logging => logging.SetMinimumLevel(LogLevel.Warning), CancellationToken.None);
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
            var figures = new Dictionary<string, long>
            {
                ["predict"] = await BytesPerRequestAsync(client, "predict", JsonSerializer.Serialize(new { inputs = "the service was quick and friendly but the food arrived cold" })),
            };
            Console.WriteLine($"POST /predict (1 text)  {figures["predict"],10:N0} bytes/request (server + client, {Requests} sequential requests)");
            using (var classifier = TextClassifier.Load(directory))
                if (classifier.CanExplain)
                {
                    figures["explain"] = await BytesPerRequestAsync(client, "explain", JsonSerializer.Serialize(new { inputs = "the service was quick and friendly", steps = 16 }));
                    Console.WriteLine($"POST /explain (16 steps) {figures["explain"],10:N0} bytes/request");
                }
            await app.StopAsync();
            if (options.JsonPath is not null)
                FigureFile.Write(options.JsonPath, BuildStamp.OfDirectory(AppContext.BaseDirectory), new
                {
                    settings = new { model = options.ModelDirectory ?? "toy", requests = Requests, max_batch = options.MaxBatch, max_wait_ms = options.MaxWaitMs },
                    bytes_per_request = figures,
                });
            return 0;
        }
        finally
        {
            if (toyDirectory is not null) Directory.Delete(toyDirectory, recursive: true);
        }
    }

    private static async Task<long> BytesPerRequestAsync(HttpClient client, string route, string body)
    {
        for (int i = 0; i < 5; i++) await SendAsync(client, route, body);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Requests; i++) await SendAsync(client, route, body);
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / Requests;
    }

    private static async Task SendAsync(HttpClient client, string route, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(route, content);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /{route} answered {(int)response.StatusCode}: {text}");
    }
}
