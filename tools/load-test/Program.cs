using System.Globalization;
using OrtAgent.LoadTest;
using OrtAgent.Runtime;
using OrtAgent.Tests.Serving;

// ONNX Runtime's telemetry off before the toy-model host can initialise it.
OnnxRuntimeEnvironment.ConfigureTelemetry(allow: false);

LoadTestOptions options;
try
{
    options = LoadTestOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"loadtest: {ex.Message}");
    Console.Error.WriteLine("usage: loadtest --url http://127.0.0.1:8080 [--seconds 10] [--clients 1,8,32] [--api-key KEY] [--texts FILE]");
    Console.Error.WriteLine("       loadtest --host-toy-model [--urls http://127.0.0.1:8080] [--max-batch 32] [--max-wait-ms 5]");
    return 2;
}

if (options.HostToyModel)
{
    try
    {
        await ToyModelHost.RunAsync(options);
        return 0;
    }
    catch (IOException ex)
    {
        // Most often the port is taken, by an earlier host still running.
        Console.Error.WriteLine($"loadtest: cannot serve on {options.HostUrl}: {ex.Message}");
        return 1;
    }
}

var texts = options.TextsFile is null
    ? ToyClassifierModel.SentimentSentences().Select(s => s.Text).ToArray()
    : File.ReadAllLines(options.TextsFile).Where(l => l.Length > 0).ToArray();
var url = new Uri(options.Url!.ToString().TrimEnd('/') + "/");
using var runner = new LoadRunner(url, texts, options.ApiKey);

Console.WriteLine($"POST {url}predict, one text per request ({texts.Length} distinct texts), closed loop, {options.Seconds:0.#} s per level after {options.WarmupSeconds:0.#} s warm-up");
Console.WriteLine($"on {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
Console.WriteLine($"server /info: {await runner.ReadInfoAsync() ?? "(unavailable)"}");
Console.WriteLine();
Console.WriteLine("clients   requests   errors      req/s   p50 ms   p99 ms   req/s vs 1 client");
double? baseline = null;
int totalErrors = 0;
foreach (int clients in options.Clients)
{
    var result = await runner.RunAsync(clients, TimeSpan.FromSeconds(options.Seconds), TimeSpan.FromSeconds(options.WarmupSeconds));
    baseline ??= clients == 1 ? result.RequestsPerSecond : null;
    totalErrors += result.Failed;
    string ratio = baseline is double b && b > 0 ? (result.RequestsPerSecond / b).ToString("0.00x", CultureInfo.InvariantCulture) : "-";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{clients,7} {result.Succeeded,10} {result.Failed,8} {result.RequestsPerSecond,10:0.0} {result.P50Ms,8:0.00} {result.P99Ms,8:0.00}   {ratio}"));
}
return totalErrors == 0 ? 0 : 1;
