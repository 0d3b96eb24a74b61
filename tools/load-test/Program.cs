using System.Globalization;
using OrtAgent;
using OrtAgent.LoadTest;
using OrtAgent.Runtime;

// ONNX Runtime's telemetry off before the toy-model host can initialise it.
OnnxRuntimeEnvironment.ConfigureTelemetry(allow: false);

try
{
    var options = LoadTestOptions.Parse(args);
    if (options.HostToyModel) return await HostAsync(options);
    return await GenerateLoadAsync(options, LoadTestTexts.Read(options.TextsFile));
}
// The one place a mistake in what was given becomes one line and exit code 2 (a bad flag also gets the usage).
catch (LoadTestUsageException ex)
{
    Console.Error.WriteLine($"loadtest: {ex.Message}");
    Console.Error.WriteLine(LoadTestOptions.Usage);
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
}
