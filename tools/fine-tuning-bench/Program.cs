// Compares one fine-tuning job through the service's API with `ortagent train` on the same data and settings,
// alternating the two (A B A B ...) so that drift in the machine's load hits both alike, and prints each pair's
// ratio and the median overhead. Both run the built CLI in child processes:
//   A  `ortagent train --data chat.jsonl --base minilm --seed 42`: process start to exit.
//   B  one `ortagent serve --fine-tuning` started beforehand; upload the file, create the job (seed 42, every
//      hyperparameter "auto" = train's defaults), poll every 100 ms until it has succeeded.
// Wall time is what the target is about, but on a shared machine it swings by tens of percent between identical runs,
// so each side's CPU time (user + system) is measured too: the train process's own (its rusage, once reaped), and the
// server's during the job (from /proc). CPU time counts the work done, which other processes' load barely changes.
// Usage: dotnet run -c Release --project tools/fine-tuning-bench -- [--rounds 3] [--data data/reviews.csv] [--base minilm]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrtAgent.Data;
using OrtAgent.FineTuningBench;

int rounds = 3;
string data = "data/reviews.csv", baseModel = "minilm";
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--data": data = args[i + 1]; break;
        case "--base": baseModel = args[i + 1]; break;
        default: Console.Error.WriteLine($"fine-tuning bench: unknown option {args[i]}"); return 2;
    }
}
string cli = Path.Combine(AppContext.BaseDirectory, "ortagent.dll");
string work = Path.Combine(Path.GetTempPath(), "ortagent-ft-bench-" + Environment.ProcessId);
Directory.CreateDirectory(work);
try
{
    // One file for both sides, in OpenAI's chat format (which `train --data` also reads).
    string chat = Path.Combine(work, "chat.jsonl");
    var examples = LabeledTextFile.Open(data).ToList();
    File.WriteAllLines(chat, examples.Select(e => JsonSerializer.Serialize(new
    {
        messages = new object[] { new { role = "user", content = e.Text }, new { role = "assistant", content = e.Label } },
    })));
    Console.WriteLine($"{examples.Count} examples from {data}; base {baseModel}; {rounds} rounds; {Environment.ProcessorCount} logical CPUs, load {File.ReadAllText("/proc/loadavg").Trim()}");

    using var server = Start("serve", "--fine-tuning", "--store", Path.Combine(work, "store"), "--urls", "http://127.0.0.1:0");
    try
    {
        var address = await ServerAddressAsync(server);
        // Keep draining the server's log: a full pipe would block its console logger, and with it the server.
        var drainOutput = server.StandardOutput.ReadToEndAsync();
        var drainErrors = server.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(30) };
        var pairs = new List<(Cost Train, Cost Api)>();
        for (int round = 1; round <= rounds; round++)
        {
            // Alternate which goes first, so neither always runs right after the other.
            Cost train = default, api = default;
            foreach (var side in round % 2 == 1 ? new[] { "train", "api" } : ["api", "train"])
            {
                if (side == "train") train = await TrainAsync(chat, Path.Combine(work, $"train-{round}"));
                else api = await ApiJobAsync(http, chat, server);
            }
            pairs.Add((train, api));
            Console.WriteLine($"round {round}: train {train.Wall:F2} s wall / {train.Cpu:F2} s CPU, API job {api.Wall:F2} s wall / {api.Cpu:F2} s CPU, "
                + $"ratios wall {api.Wall / train.Wall:F3} CPU {api.Cpu / train.Cpu:F3}");
        }
        double wall = Median(pairs.Select(p => p.Api.Wall / p.Train.Wall)), cpu = Median(pairs.Select(p => p.Api.Cpu / p.Train.Cpu));
        Console.WriteLine($"median API/train ratio: wall {wall:F3} ({(wall - 1) * 100:+0.0;-0.0}% overhead), CPU {cpu:F3} ({(cpu - 1) * 100:+0.0;-0.0}%); "
            + $"load at end {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }
    finally
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

Process Start(params string[] arguments)
{
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    start.ArgumentList.Add(cli);
    foreach (var argument in arguments) start.ArgumentList.Add(argument);
    return Process.Start(start) ?? throw new InvalidOperationException("cannot start the CLI");
}

async Task<Cost> TrainAsync(string chat, string directory)
{
    var clock = Stopwatch.StartNew();
    double cpuBefore = ChildCpu.ReapedSeconds();
    // --min-steps 0: an API job with n_epochs auto trains its 3 epochs exactly, while train would raise them to reach
    // its 100-step minimum (6 epochs here), and the two would no longer do the same work.
    using var train = Start("train", "--data", chat, "--base", baseModel, "--seed", "42", "--min-steps", "0",
        "--output", Path.Combine(directory, "model"), "--artifacts-root", Path.Combine(directory, "artifacts"));
    var output = train.StandardOutput.ReadToEndAsync();
    var errors = train.StandardError.ReadToEndAsync();
    await train.WaitForExitAsync();
    if (train.ExitCode != 0) throw new InvalidOperationException($"train failed: {await errors}{await output}");
    return new Cost(clock.Elapsed.TotalSeconds, ChildCpu.ReapedSeconds() - cpuBefore);
}

async Task<Cost> ApiJobAsync(HttpClient http, string chat, Process server)
{
    var clock = Stopwatch.StartNew();
    double cpuBefore = ServerCpu(server);
    using var form = new MultipartFormDataContent
    {
        { new ByteArrayContent(await File.ReadAllBytesAsync(chat)), "file", "chat.jsonl" },
        { new StringContent("fine-tune"), "purpose" },
    };
    var file = await Json(await http.PostAsync("/v1/files", form));
    var job = await Json(await http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = baseModel, training_file = file.GetProperty("id").GetString(), seed = 42 }));
    string id = job.GetProperty("id").GetString()!;
    while (true)
    {
        string status = (await Json(await http.GetAsync($"/v1/fine_tuning/jobs/{id}"))).GetProperty("status").GetString()!;
        if (status == "succeeded") return new Cost(clock.Elapsed.TotalSeconds, ServerCpu(server) - cpuBefore);
        if (status is "failed" or "cancelled") throw new InvalidOperationException($"job {id} {status}");
        await Task.Delay(100);
    }
}

static double ServerCpu(Process server)
{
    server.Refresh();
    return server.TotalProcessorTime.TotalSeconds;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static async Task<JsonElement> Json(HttpResponseMessage response)
{
    var body = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
    return JsonDocument.Parse(body).RootElement.Clone();
}

// `serve` prints "serving ... on http://127.0.0.1:PORT (...)" once it listens.
static async Task<string> ServerAddressAsync(Process server)
{
    while (await server.StandardOutput.ReadLineAsync() is string line)
    {
        int at = line.IndexOf("http://", StringComparison.Ordinal);
        if (line.StartsWith("serving", StringComparison.Ordinal) && at >= 0) return line[at..].Split(' ', ',')[0];
    }
    throw new InvalidOperationException($"the server exited: {await server.StandardError.ReadToEndAsync()}");
}

/// <summary>One side's cost: wall-clock seconds and CPU seconds (user + system).</summary>
internal readonly record struct Cost(double Wall, double Cpu);
