using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OrtAgent;
using OrtAgent.FaultInjection;

// dotnet run --project tools/fault-injection -c Release -- [--arrivals N] [--fuzz REQUESTS] [--fuzz-seconds S] [--swap renames] [--work DIR]
// 1. Kills a child ortagent at every arrival (up to N) at every crash point of a tiny train + export + promote run, of
//    a distillation of its model and of a predictions file, checks what each crash left and what the next run made of it.
//    --swap renames: the killed runs swap directories by two renames, as systems without Linux's exchange do.
// 2. Fuzzes a child `ortagent serve` (loopback, an API key, the run's model) with seeded mutated requests.
// Prints the counts; exits 1 when any promise broke.
int maxArrivals = 40, fuzzRequests = 20_000, fuzzSeconds = 300;
string? only = null;
bool byRenames = false;
string work = Path.Combine(Path.GetTempPath(), "ortagent-fault-injection-" + Environment.ProcessId);
const string Usage = "usage: dotnet run --project tools/fault-injection -c Release -- [--arrivals 40] [--fuzz 20000] [--fuzz-seconds 300] [--only [distill:]POINT:N] [--swap renames|exchange] [--work DIR]";
// --help ran the whole campaign (an hour and more), as did a flag left without its value.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(Usage);
    return 0;
}
// A mistake in what was given is one line naming the option and its value, and exit code 2 (a bad count was a
// FormatException's stack trace).
static int Refuse(string problem)
{
    Console.Error.WriteLine($"fault-injection: {problem}; see --help");
    return 2;
}
for (int i = 0; i < args.Length; i += 2)
{
    if (i + 1 >= args.Length) return Refuse($"{args[i]} needs a value");
    var (option, value) = (args[i], args[i + 1]);
    bool IsCount(out int count) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out count) && count >= 0;
    switch (option)
    {
        case "--arrivals" when IsCount(out maxArrivals): break;
        case "--fuzz" when IsCount(out fuzzRequests): break;
        case "--fuzz-seconds" when IsCount(out fuzzSeconds): break;
        case "--arrivals" or "--fuzz" or "--fuzz-seconds": return Refuse($"{option} '{value}': expected a whole number ≥ 0");
        case "--work": work = value; break;
        case "--only": only = value; break;
        case "--swap" when value is CrashPoint.SwapByRenames or "exchange": byRenames = value == CrashPoint.SwapByRenames; break;
        case "--swap": return Refuse($"--swap '{value}': expected renames or exchange");
        default: return Refuse($"unknown option {option}");
    }
}

var cli = Path.Combine(AppContext.BaseDirectory, "ortagent.dll");
var clock = Stopwatch.StartNew();
var campaign = new CrashCampaign(cli, work) { ProcessTimeout = TimeSpan.FromMinutes(5) };   // a loaded shared machine is slow
try
{
    await campaign.PrepareAsync();
    if (only is not null)
    {
        // One scenario, to look into a failure: --only [distill:]POINT:N
        bool distill = only.StartsWith("distill:", StringComparison.Ordinal);
        if (distill) only = only["distill:".Length..];
        var (name, arrival) = (only[..only.LastIndexOf(':')], int.Parse(only[(only.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        var single = await campaign.TryAsync(new CrashScenario(distill ? "distill" : name == CrashPoint.PredictionsWritten ? "predict" : "train", name, arrival, byRenames));
        Console.WriteLine($"{single.Scenario}: {(single.Crashed ? "killed" : "not reached")}; {(single.Failures.Count == 0 ? "ok" : string.Join("; ", single.Failures))}");
        return single.Failures.Count == 0 ? 0 : 1;
    }
    int tried = 0, crashed = 0, failed = 0, lost = 0;
    foreach (var (point, command) in CrashPoint.All.SelectMany(point => (point == CrashPoint.PredictionsWritten ? ["predict"] : new[] { "train", "distill" })
                 .Select(command => (point, command))).Where(_ => maxArrivals > 0))
    {
        int reached = 0;
        for (int arrival = 1; arrival <= maxArrivals; arrival++)
        {
            var outcome = await campaign.TryAsync(new CrashScenario(command, point, arrival, byRenames));
            tried++;
            if (!outcome.Crashed && outcome.Failures.Count == 0) break;   // the run ends before this arrival
            if (outcome.Crashed) { crashed++; reached++; }
            lost += outcome.DataLost;
            if (outcome.Failures.Count > 0) failed++;
            foreach (var failure in outcome.Failures) Console.WriteLine($"FAIL {outcome.Scenario}: {failure}");
        }
        Console.WriteLine($"{command} {point}: killed at {reached} arrival(s)");
    }
    Console.WriteLine($"crash points: {crashed} kills at {CrashPoint.All.Count} named points; {failed} failed; data lost: {lost} file(s) ({clock.Elapsed.TotalSeconds:F0} s)");

    var fuzz = fuzzRequests > 0 ? await FuzzServeAsync(cli, campaign.ReferenceModelDirectory, fuzzRequests, TimeSpan.FromSeconds(fuzzSeconds)) : null;
    if (fuzz is not null)
    {
        foreach (var failure in fuzz.Failures) Console.WriteLine($"FAIL fuzz: {failure}");
        Console.WriteLine($"http fuzzing: {fuzz.Requests} requests; statuses {string.Join(", ", fuzz.StatusCounts.Select(s => $"{s.Key}×{s.Value}"))}; "
            + $"{fuzz.ProtocolRefusals} refused by Kestrel as malformed HTTP; {fuzz.FailureCount} failures");
    }
    Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F0} s on {Environment.ProcessorCount} core(s)");
    return failed == 0 && lost == 0 && (fuzz?.FailureCount ?? 0) == 0 ? 0 : 1;
}
finally
{
    if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
}

// Starts `ortagent serve` on a free loopback port, fuzzes it, stops it.
static async Task<HttpFuzzReport> FuzzServeAsync(string cli, string model, int requests, TimeSpan limit)
{
    const string key = "fault-injection-key";
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var arg in new[] { cli, "serve", "--model", model, "--urls", "http://127.0.0.1:0", "--threads", "1", "--api-key", key })
        start.ArgumentList.Add(arg);
    using var serve = Process.Start(start) ?? throw new InvalidOperationException("cannot start ortagent serve");
    try
    {
        string? line;
        Match address = Match.Empty;
        while ((line = await serve.StandardOutput.ReadLineAsync()) is not null && !(address = Regex.Match(line, @"on (http://127\.0\.0\.1:\d+)")).Success) { }
        if (!address.Success) throw new InvalidOperationException($"serve did not start: {await serve.StandardError.ReadToEndAsync()}");
        _ = serve.StandardOutput.ReadToEndAsync();   // keep draining the request log
        _ = serve.StandardError.ReadToEndAsync();
        using var client = new HttpClient { BaseAddress = new Uri(address.Groups[1].Value), Timeout = TimeSpan.FromSeconds(30) };
        return await new HttpFuzzer(client, key, seed: 17).RunAsync(requests, limit);
    }
    finally
    {
        serve.Kill(entireProcessTree: true);
    }
}
