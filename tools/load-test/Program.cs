using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrtAgent;
using OrtAgent.Bench;
using OrtAgent.LoadTest;
using OrtAgent.Runtime;

// ONNX Runtime's telemetry off before the toy-model host can initialise it.
OnnxRuntimeEnvironment.ConfigureTelemetry(allow: false);

try
{
    var options = LoadTestOptions.Parse(args);
    if (options.Help)
    {
        Console.WriteLine(LoadTestOptions.Usage);
        return 0;
    }
    if (options.JsonPath is not null) FigureFile.CheckWritable(options.JsonPath);
    if (options.HostToyModel) return await HostAsync(options);
    if (options.Allocations) return await ServingAllocations.RunAsync(options);
    return await GenerateLoadAsync(options, LoadTestTexts.Read(options.TextsFile));
}
// The one place a mistake in what was given becomes one line and exit code 2 (a bad flag points to --help's usage).
catch (LoadTestUsageException ex)
{
    Console.Error.WriteLine($"loadtest: {ex.Message}; see --help");
    return 2;
}
catch (UserInputException ex)
{
    Console.Error.WriteLine($"loadtest: {ex.Message.ReplaceLineEndings(" ")}");
    return 2;
}

static async Task<int> HostAsync(LoadTestOptions options)
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

static async Task<int> GenerateLoadAsync(LoadTestOptions options, IReadOnlyList<string> texts)
{
    var url = new Uri(options.Url!.ToString().TrimEnd('/') + "/");
    using var runner = new LoadRunner(url, texts, options.ApiKey);

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"POST {url}predict, one text per request ({texts.Count} distinct texts), closed loop, {options.Seconds:0.#} s per level after {options.WarmupSeconds:0.#} s warm-up"));
    var machine = MachineInfo.Current();
    Console.WriteLine($"on {machine.LogicalCpus} cores, {machine.Os}");
    string? info = await runner.ReadInfoAsync();
    Console.WriteLine($"server /info: {info ?? "(unavailable)"}");
    Console.WriteLine();
    Console.WriteLine("clients   requests   errors      req/s   p50 ms   p99 ms   req/s vs 1 client");
    double? baseline = null;
    var levels = new List<object>();
    int totalErrors = 0;
    foreach (int clients in options.Clients)
    {
        var result = await runner.RunAsync(clients, TimeSpan.FromSeconds(options.Seconds), TimeSpan.FromSeconds(options.WarmupSeconds));
        baseline ??= clients == 1 ? result.RequestsPerSecond : null;
        totalErrors += result.Failed;
        double? ratio = baseline is double b && b > 0 ? result.RequestsPerSecond / b : null;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{clients,7} {result.Succeeded,10} {result.Failed,8} {result.RequestsPerSecond,10:0.0} {result.P50Ms,8:0.00} {result.P99Ms,8:0.00}   {ratio?.ToString("0.00x", CultureInfo.InvariantCulture) ?? "-"}"));
        levels.Add(new
        {
            clients, seconds = result.Duration.TotalSeconds, requests = result.Succeeded, errors = result.Failed, requests_per_second = result.RequestsPerSecond,
            p50_ms = result.P50Ms, p99_ms = result.P99Ms, requests_per_second_vs_1_client = ratio,
        });
    }
    if (options.JsonPath is not null)
    {
        // The build beside this tool is the toy-model host's; a real `serve`'s build is not known here (its /info has none).
        FigureFile.Write(options.JsonPath, BuildStamp.OfDirectory(AppContext.BaseDirectory), new
        {
            settings = new
            {
                url = $"{url}predict", seconds = options.Seconds, warmup_seconds = options.WarmupSeconds, clients = options.Clients, texts = options.TextsFile,
                distinct_texts = texts.Count, api_key = options.ApiKey is not null,
            },
            server_info = ParseInfo(info),
            levels,
        });
        Console.WriteLine($"wrote {options.JsonPath}");
    }
    return totalErrors == 0 ? 0 : 1;
}

// The server's /info as JSON when it is, else its text.
static JsonNode? ParseInfo(string? info)
{
    if (info is null) return null;
    try
    {
        return JsonNode.Parse(info);
    }
    catch (JsonException)
    {
        return JsonValue.Create(info);
    }
}
