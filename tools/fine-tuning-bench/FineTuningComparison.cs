using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrtAgent.Bench;
using OrtAgent.Data;

namespace OrtAgent.FineTuningBench;

/// <summary>
/// The rounds themselves: a temporary folder with the data in chat format, one <c>ortagent serve --fine-tuning</c>,
/// then per round a <c>train</c> process and an API job in alternating order. Whatever ends the run (success, a
/// failure, or the token cancelled by Ctrl+C or SIGTERM), the children are killed and the folder removed.
/// </summary>
internal sealed class FineTuningComparison(FineTuningBenchOptions options)
{
    private readonly string _cli = Path.Combine(AppContext.BaseDirectory, "ortagent.dll");

    /// <summary>Runs every round and prints each pair and the medians.</summary>
    /// <exception cref="UserInputException">The data cannot be read.</exception>
    /// <exception cref="ComparisonFailedException">A side failed or ran past <see cref="FineTuningBenchOptions.JobTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; children killed, folder removed.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Read before anything is started or written: a bad --data costs nothing.
        var examples = LabeledTextFile.Open(options.Data).ToList();
        string work = Path.Combine(Path.GetTempPath(), "ortagent-ft-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(work);
        try
        {
            // One file for both sides, in OpenAI's chat format (which `train --data` also reads).
            string chat = Path.Combine(work, "chat.jsonl");
            File.WriteAllLines(chat, examples.Select(e => JsonSerializer.Serialize(new
            {
                messages = new object[] { new { role = "user", content = e.Text }, new { role = "assistant", content = e.Label } },
            })));
            string loadAtStart = MachineInfo.LoadAverageNow();
            Console.WriteLine($"{examples.Count} examples from {options.Data}; base {options.BaseModel}; {options.Rounds} rounds; {Environment.ProcessorCount} logical CPUs, load {File.ReadAllText("/proc/loadavg").Trim()}");

            await using var server = ServerChild.Start(StartInfo("serve", "--fine-tuning", "--store", Path.Combine(work, "store"), "--urls", "http://127.0.0.1:0"));
            using var http = new HttpClient { BaseAddress = await server.AddressAsync(ServerStartTimeout, cancellationToken), Timeout = options.JobTimeout };
            var pairs = new List<(Cost Train, Cost Api)>();
            for (int round = 1; round <= options.Rounds; round++)
            {
                Cost train = default, api = default;
                foreach (var side in TrainGoesFirst(round) ? new[] { "train", "api" } : ["api", "train"])
                {
                    if (side == "train") train = await TrainAsync(chat, Path.Combine(work, $"train-{round}"), cancellationToken);
                    else api = await ApiJobAsync(http, chat, server, cancellationToken);
                }
                pairs.Add((train, api));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: train {train.Wall:F2} s wall / {train.Cpu:F2} s CPU, API job {api.Wall:F2} s wall / {api.Cpu:F2} s CPU, ratios wall {api.Wall / train.Wall:F3} CPU {api.Cpu / train.Cpu:F3}"));
            }
            // The mean of the middle two of an even count (Samples.Median): the result file of 2026-12-02 printed the upper one.
            double wall = Samples.Median([.. pairs.Select(p => p.Api.Wall / p.Train.Wall)]), cpu = Samples.Median([.. pairs.Select(p => p.Api.Cpu / p.Train.Cpu)]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"median API/train ratio: wall {wall:F3} ({(wall - 1) * 100:+0.0;-0.0}% overhead), CPU {cpu:F3} ({(cpu - 1) * 100:+0.0;-0.0}%); load at end {File.ReadAllText("/proc/loadavg").Trim()}"));
            if (options.JsonPath is not null)
            {
                WriteJson(options.JsonPath, examples.Count, loadAtStart, pairs, wall, cpu);
                Console.WriteLine($"wrote {options.JsonPath}");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // `serve` starts in seconds; past this it is taken to hang rather than to be slow.
    private static readonly TimeSpan ServerStartTimeout = TimeSpan.FromMinutes(2);

    private ProcessStartInfo StartInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(_cli);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    private async Task<Cost> TrainAsync(string chat, string directory, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        double cpuBefore = ChildCpu.ReapedSeconds();
        // --min-steps 0: an API job with n_epochs auto trains its 3 epochs exactly, while train would raise them to reach
        // its 100-step minimum (6 epochs here), and the two would no longer do the same work.
        using var train = Process.Start(StartInfo("train", "--data", chat, "--base", options.BaseModel, "--seed", "42", "--min-steps", "0",
            "--output", Path.Combine(directory, "model"), "--artifacts-root", Path.Combine(directory, "artifacts")))
            ?? throw new InvalidOperationException("cannot start the CLI");
        var output = train.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = train.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.JobTimeout);
        try
        {
            await train.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ComparisonFailedException($"train ran past {options.JobTimeout.TotalMinutes:F0} minutes (--job-timeout-minutes) and was killed");
        }
        finally
        {
            // Cancelled or past its deadline: the train process and its children go with the comparison.
            if (!train.HasExited)
            {
                train.Kill(entireProcessTree: true);
                await train.WaitForExitAsync(CancellationToken.None);
            }
        }
        if (train.ExitCode != 0) throw new ComparisonFailedException($"train failed (exit {train.ExitCode}): {await errors}{await output}");
        return new Cost(clock.Elapsed.TotalSeconds, ChildCpu.ReapedSeconds() - cpuBefore);
    }

    private async Task<Cost> ApiJobAsync(HttpClient http, string chat, ServerChild server, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        double cpuBefore = server.CpuSeconds();
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(chat, cancellationToken)), "file", "chat.jsonl" },
            { new StringContent("fine-tune"), "purpose" },
        };
        var file = await RequestAsync(server, token => http.PostAsync("/v1/files", form, token), cancellationToken);
        var job = await RequestAsync(server, token => http.PostAsJsonAsync("/v1/fine_tuning/jobs",
            new { model = options.BaseModel, training_file = file.GetProperty("id").GetString(), seed = 42 }, token), cancellationToken);
        string id = job.GetProperty("id").GetString()!;
        while (clock.Elapsed < options.JobTimeout)
        {
            string status = (await RequestAsync(server, token => http.GetAsync($"/v1/fine_tuning/jobs/{id}", token), cancellationToken)).GetProperty("status").GetString()!;
            if (status == "succeeded") return new Cost(clock.Elapsed.TotalSeconds, server.CpuSeconds() - cpuBefore);
            if (status is "failed" or "cancelled") throw new ComparisonFailedException($"job {id} {status}");
            await Task.Delay(100, cancellationToken);
        }
        throw new ComparisonFailedException($"job {id} not done after {options.JobTimeout.TotalMinutes:F0} minutes (--job-timeout-minutes)");
    }

    /// <summary>One request to the server and its JSON body.</summary>
    /// <exception cref="ComparisonFailedException">
    /// The server answered with an error, or the request failed: most often because the server exited, which the
    /// message then says, with its exit code and the last lines of its log.
    /// </exception>
    private static async Task<JsonElement> RequestAsync(ServerChild server, Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await send(cancellationToken);
            return await Json(response, cancellationToken);
        }
        // A TaskCanceledException without cancellation is HttpClient's own timeout (--job-timeout-minutes).
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw await server.RequestFailureAsync(ex);
        }
    }

    /// <summary>The printed figures, with the commit, the CLI build both sides ran and the machine (<see cref="FigureFile"/>).</summary>
    private void WriteJson(string path, int examples, string loadAtStart, IReadOnlyList<(Cost Train, Cost Api)> pairs, double medianWall, double medianCpu) =>
        FigureFile.Write(path, BuildStamp.OfDirectory(Path.GetDirectoryName(_cli)!), new
        {
            settings = new
            {
                rounds = options.Rounds, data = options.Data, examples, base_model = options.BaseModel, job_timeout_minutes = options.JobTimeout.TotalMinutes,
                train_arguments = "--seed 42 --min-steps 0", api_job = "seed 42, every hyperparameter auto, polled every 100 ms",
            },
            load_average_start = loadAtStart,
            rounds = pairs.Select((pair, i) => new
            {
                round = i + 1, first = TrainGoesFirst(i + 1) ? "train" : "api",
                train_wall_s = pair.Train.Wall, train_cpu_s = pair.Train.Cpu, api_wall_s = pair.Api.Wall, api_cpu_s = pair.Api.Cpu,
                wall_ratio = pair.Api.Wall / pair.Train.Wall, cpu_ratio = pair.Api.Cpu / pair.Train.Cpu,
            }),
            median_wall_ratio = medianWall,
            median_cpu_ratio = medianCpu,
        });

    // Which goes first alternates, so neither always runs right after the other.
    private static bool TrainGoesFirst(int round) => round % 2 == 1;

    private static async Task<JsonElement> Json(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new ComparisonFailedException($"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>One side's cost: wall-clock seconds and CPU seconds (user + system).</summary>
    private readonly record struct Cost(double Wall, double Cpu);
}
