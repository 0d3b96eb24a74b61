using System.Diagnostics;
using System.Globalization;
using OrtAgent;
using OrtAgent.FaultInjection;

// dotnet run --project tools/FaultInjection -c Release -- [--arrivals N] [--work DIR]
// Kills a child ortagent at every arrival (up to N) at every crash point of a tiny train + export + promote run and of a
// predictions file, checks what each crash left and what the next run made of it, and prints the counts.
int maxArrivals = 40;
string work = Path.Combine(Path.GetTempPath(), "ortagent-fault-injection-" + Environment.ProcessId);
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--arrivals": maxArrivals = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--work": work = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}; use --arrivals N, --work DIR"); return 2;
    }
}

var clock = Stopwatch.StartNew();
var campaign = new CrashCampaign(Path.Combine(AppContext.BaseDirectory, "ortagent.dll"), work);
try
{
    await campaign.PrepareAsync();
    int tried = 0, crashed = 0, failed = 0, lost = 0;
    foreach (var point in CrashPoint.All)
    {
        string command = point == CrashPoint.PredictionsWritten ? "predict" : "train";
        int reached = 0;
        for (int arrival = 1; arrival <= maxArrivals; arrival++)
        {
            var outcome = await campaign.TryAsync(new CrashScenario(command, point, arrival));
            tried++;
            if (!outcome.Crashed && outcome.Failures.Count == 0) break;   // the run ends before this arrival
            if (outcome.Crashed) { crashed++; reached++; }
            lost += outcome.DataLost;
            if (outcome.Failures.Count > 0) failed++;
            foreach (var failure in outcome.Failures) Console.WriteLine($"FAIL {outcome.Scenario}: {failure}");
        }
        Console.WriteLine($"{command} {point}: killed at {reached} arrival(s)");
    }
    Console.WriteLine($"crash runs: {crashed} kills at {CrashPoint.All.Count} crash points ({tried - crashed} runs ended before the arrival asked for)");
    Console.WriteLine($"failures: {failed}; data lost: {lost} file(s); {clock.Elapsed.TotalSeconds:F0} s on {Environment.ProcessorCount} core(s)");
    return failed == 0 && lost == 0 ? 0 : 1;
}
finally
{
    if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
}
