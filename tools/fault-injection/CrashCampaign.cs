using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;

namespace OrtAgent.FaultInjection;

/// <summary>
/// Kills child <c>ortagent</c> processes at <see cref="CrashPoint"/>s of a tiny training run (train, export, promote),
/// of a distillation of its model and of a predictions file, then checks the promises: after the crash no file under a
/// final name is half-written and the previous model is intact (or its retired copy is, for the next run to restore);
/// after one more run (with <c>--resume</c> when a checkpoint exists) the model and the promoted model are byte for
/// byte those of an uninterrupted run, <c>metrics.jsonl</c> lists each step once, and no temporary file or directory is
/// left.
/// </summary>
/// <remarks>Shared by the CI test (a few scenarios) and <c>tools/fault-injection</c> (every arrival at every point).</remarks>
public sealed class CrashCampaign
{
    private const int KilledBySigKill = 137;
    private readonly string _cli;
    private readonly string _root;
    private readonly string _baseModel;
    private readonly string _trainCsv;
    private readonly string _predictCsv;
    private readonly string _incumbent;
    private ReferenceRun _train = new([], []);
    private ReferenceRun _distill = new([], []);
    private byte[] _referencePredictions = [];
    private byte[] _incumbentModel = [];
    private int _next;

    /// <param name="cliDll">The <c>ortagent.dll</c> to run.</param>
    /// <param name="root">An empty working folder; everything is written under it.</param>
    public CrashCampaign(string cliDll, string root)
    {
        _cli = cliDll;
        _root = root;
        _baseModel = Path.Combine(root, "tiny-base");
        _trainCsv = Path.Combine(root, "train.csv");
        _predictCsv = Path.Combine(root, "predict.csv");
        _incumbent = Path.Combine(root, "incumbent");
    }

    /// <summary>The uninterrupted run's exported model (after <see cref="PrepareAsync"/>).</summary>
    public string ReferenceModelDirectory => Path.Combine(_root, "reference", "models", "m");

    /// <summary>How long each child may run before it counts as hung.</summary>
    public TimeSpan ProcessTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Writes the base model and data, and runs the uninterrupted reference (train, then predict).</summary>
    public async Task PrepareAsync()
    {
        Directory.CreateDirectory(_root);
        TinyBertBuilder.WriteBaseModel(_baseModel);
        File.WriteAllText(_trainCsv, Sentences(48, seed: 1, labelled: true));
        File.WriteAllText(_predictCsv, Sentences(20, seed: 2, labelled: false));

        var reference = Path.Combine(_root, "reference");
        _train = await RunReferenceAsync(TrainingRun.Train, reference);
        _distill = await RunReferenceAsync(TrainingRun.Distill, reference);
        var model = ReferenceModelDirectory;
        var predict = await RunAsync(PredictArgs(reference, model), crashAt: null);
        if (predict.ExitCode != 0) throw new InvalidOperationException($"the reference prediction failed: {predict.Error}");
        _referencePredictions = File.ReadAllBytes(Path.Combine(reference, "out.csv"));

        // The model in production before the run: the same export with its classifier zeroed, so it gives every text the
        // same label, and the new one, scored beside it on the run's validation texts, is promoted.
        CopyDirectory(model, _incumbent);
        var incumbent = OnnxModel.Load(Path.Combine(_incumbent, "model.onnx"));
        var head = incumbent.Graph.Initializers.Where(v => v.Name.StartsWith("classifier.", StringComparison.Ordinal)).ToList();
        if (head.Count == 0) throw new InvalidOperationException("the reference model has no classifier.* initializers to zero");
        foreach (var weights in head) weights.Initializer = TensorData.Zeros(weights.Initializer!.Type, weights.Initializer.Dims);
        incumbent.Save(Path.Combine(_incumbent, "model.onnx"));
        _incumbentModel = File.ReadAllBytes(Path.Combine(_incumbent, "model.onnx"));
    }

    /// <summary>Runs one crash and the recovery after it, and checks every promise.</summary>
    public async Task<CrashOutcome> TryAsync(CrashScenario scenario)
    {
        var work = Path.Combine(_root, $"s{Interlocked.Increment(ref _next)}");
        Directory.CreateDirectory(work);
        try
        {
            return scenario.Command switch
            {
                "predict" => await TryPredictAsync(scenario, work),
                "distill" => await TryTrainingRunAsync(scenario, TrainingRun.Distill, _distill, work),
                _ => await TryTrainingRunAsync(scenario, TrainingRun.Train, _train, work),
            };
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A command that trains and exports under <c>models/NAME</c> from <c>artifacts/NAME</c>.</summary>
    private enum TrainingRun { Train, Distill }

    /// <summary>What the uninterrupted run of a <see cref="TrainingRun"/> exported.</summary>
    private sealed record ReferenceRun(byte[] Model, string[] Metrics);

    private static string RunName(TrainingRun run) => run == TrainingRun.Train ? "m" : "student";

    private async Task<ReferenceRun> RunReferenceAsync(TrainingRun run, string work)
    {
        var result = await RunAsync(TrainingArgs(run, work, resume: false, promote: false), crashAt: null);
        if (result.ExitCode != 0) throw new InvalidOperationException($"the reference {run} run failed: {result.Error}");
        var model = Path.Combine(work, "models", RunName(run));
        return new ReferenceRun(File.ReadAllBytes(Path.Combine(model, "model.onnx")), NormalizedMetrics(Path.Combine(model, "metrics.jsonl")));
    }

    /// <remarks>Only <c>train</c> promotes; a distillation's checks are those of its model, checkpoint and metrics.</remarks>
    private async Task<CrashOutcome> TryTrainingRunAsync(CrashScenario scenario, TrainingRun run, ReferenceRun reference, string work)
    {
        var failures = new List<string>();
        int lost = 0;
        bool promotes = run == TrainingRun.Train;
        string name = RunName(run);
        var promoted = Path.Combine(work, "srv", "model");
        if (promotes) CopyDirectory(_incumbent, promoted);
        var crash = await RunAsync(TrainingArgs(run, work, resume: false, promote: promotes), $"{scenario.Point}:{scenario.Arrival}", scenario.ByRenames);
        if (crash.ExitCode != KilledBySigKill)
        {
            if (crash.ExitCode is not (0 or 3)) failures.Add($"the run to crash failed instead: exit {crash.ExitCode}: {LastLine(crash.Error)}");
            return new CrashOutcome(scenario, false, failures);
        }

        failures.AddRange(HalfWrittenFiles(work));
        bool setAside = Directory.EnumerateDirectories(work, "*", SearchOption.AllDirectories)
            .Any(d => Path.GetFileName(d) == "checkpoint.old" || Path.GetFileName(d).Contains(".replaced-", StringComparison.Ordinal));
        // A run that exported its model has recorded its card, which export --checkpoint builds on.
        if (File.Exists(Path.Combine(work, "models", name, "model.onnx")) && !File.Exists(Path.Combine(work, "artifacts", name, TrainingArtifacts.ModelCardRecordFile)))
            failures.Add($"models/{name} was exported, but artifacts/{name} has no {TrainingArtifacts.ModelCardRecordFile}");
        if (promotes && !PromotedModelRecoverable(promoted))
        {
            failures.Add("after the crash neither srv/model nor a retired copy holds the previous or the new model");
            lost++;
        }

        bool resumable = File.Exists(Path.Combine(work, "artifacts", name, "checkpoint", "properties.json"))
            || File.Exists(Path.Combine(work, "artifacts", name, "checkpoint.old", "properties.json"));
        if (File.Exists(Path.Combine(work, "artifacts", name, TrainingArtifacts.SetupMarkerFile)))
        {
            // Killed while the run was being set up: --resume must refuse what is there, not continue a run that never was.
            var refused = await RunAsync(TrainingArgs(run, work, resume: true, promote: promotes), crashAt: null);
            if (refused.ExitCode != 2 || !refused.Error.Contains("stopped while it was being set up", StringComparison.Ordinal))
                failures.Add($"--resume of a run killed while being set up was not refused: exit {refused.ExitCode}: {LastLine(refused.Error)}");
            resumable = false;
        }
        else if (resumable)
        {
            // A run --resume may open holds every record it continues by, or it continues on defaults and other data.
            string[] records = run == TrainingRun.Train
                ? [TrainingArtifacts.SettingsRecordFile, TrainingArtifacts.DataRecordFile, TrainingArtifacts.OutputRecordFile]
                : [TrainingArtifacts.SettingsRecordFile, TrainingArtifacts.DataRecordFile, TrainingArtifacts.OutputRecordFile, TrainingArtifacts.StudentRecordFile];
            failures.AddRange(records.Where(r => !File.Exists(Path.Combine(work, "artifacts", name, r)))
                .Select(r => $"artifacts/{name} may be resumed, but its {r} is missing"));
        }
        var rerun = await RunAsync(TrainingArgs(run, work, resumable, promote: promotes), crashAt: null);
        if (rerun.ExitCode is not (0 or 3))
            failures.Add($"the run after the crash ({(resumable ? "--resume" : "from scratch")}) failed: exit {rerun.ExitCode}: {LastLine(rerun.Error)}");
        else
        {
            if (!SameBytes(Path.Combine(work, "models", name, "model.onnx"), reference.Model))
                failures.Add($"models/{name}/model.onnx differs from the uninterrupted run's");
            if (promotes && !SameBytes(Path.Combine(promoted, "model.onnx"), reference.Model))
            {
                failures.Add("srv/model/model.onnx is not the uninterrupted run's model");
                if (!Loads(Path.Combine(promoted, "model.onnx"))) lost++;
            }
            var metrics = NormalizedMetrics(Path.Combine(work, "models", name, "metrics.jsonl"));
            if (!metrics.SequenceEqual(reference.Metrics))
                failures.Add($"metrics.jsonl has {metrics.Length} records, the uninterrupted run's {reference.Metrics.Length} (or they differ)");
        }
        failures.AddRange(Leftovers(work).Select(p => $"left behind after the next run: {p}"));
        return new CrashOutcome(scenario, true, failures) { DataLost = lost, LeftASetAsideCopy = setAside };
    }

    private async Task<CrashOutcome> TryPredictAsync(CrashScenario scenario, string work)
    {
        var failures = new List<string>();
        var output = Path.Combine(work, "out.csv");
        var old = Encoding.UTF8.GetBytes("text,label\nyesterday's,answers\n");
        File.WriteAllBytes(output, old);
        var model = Path.Combine(_root, "reference", "models", "m");
        var crash = await RunAsync(PredictArgs(work, model), $"{scenario.Point}:{scenario.Arrival}", scenario.ByRenames);
        if (crash.ExitCode != KilledBySigKill)
        {
            if (crash.ExitCode != 0) failures.Add($"the run to crash failed instead: exit {crash.ExitCode}: {LastLine(crash.Error)}");
            return new CrashOutcome(scenario, false, failures);
        }
        int lost = 0;
        if (!SameBytes(output, old))
        {
            failures.Add("out.csv changed although the run that wrote it was killed");
            lost++;
        }
        var rerun = await RunAsync(PredictArgs(work, model), crashAt: null);
        if (rerun.ExitCode != 0) failures.Add($"the run after the crash failed: exit {rerun.ExitCode}: {LastLine(rerun.Error)}");
        else if (!SameBytes(output, _referencePredictions)) failures.Add("out.csv differs from the uninterrupted run's");
        failures.AddRange(Leftovers(work).Select(p => $"left behind after the next run: {p}"));
        return new CrashOutcome(scenario, true, failures) { DataLost = lost };
    }

    /// <remarks>The student is the reference training run's 2-layer model cut to 1 layer, on the same data.</remarks>
    private string[] TrainingArgs(TrainingRun run, string work, bool resume, bool promote)
    {
        string name = RunName(run);
        List<string> args = run == TrainingRun.Train
            ? ["train", "--base", _baseModel]
            : ["distill", "--teacher", ReferenceModelDirectory, "--layers", "1"];
        args.AddRange(["--data", _trainCsv, "--epochs", "2", "--batch-size", "8", "--lr", "5e-3",
            "--threads", "1", "--seed", "42", "--output", Path.Combine(work, "models", name), "--artifacts-root", Path.Combine(work, "artifacts")]);
        if (resume) args.AddRange(["--resume", Path.Combine(work, "artifacts", name)]);
        if (promote) args.AddRange(["--promote-to", Path.Combine(work, "srv", "model")]);
        return [.. args];
    }

    private string[] PredictArgs(string work, string model) =>
        ["predict", "--model", model, "--input", _predictCsv, "--output", Path.Combine(work, "out.csv"), "--batch-size", "4", "--threads", "1"];

    /// <summary>Final-named models and checkpoints that do not load: a torn write the renames should have prevented.</summary>
    private static IEnumerable<string> HalfWrittenFiles(string work)
    {
        foreach (var file in Directory.EnumerateFiles(work, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (IsTemporary(Path.GetRelativePath(work, file))) continue;
            string? problem = null;
            try
            {
                if (file.EndsWith(".onnx", StringComparison.Ordinal)) _ = OnnxModel.Load(file);
                else if (file.EndsWith(".safetensors", StringComparison.Ordinal)) SafeTensorsReader.Verify(file);
                else if (file.EndsWith(".json", StringComparison.Ordinal)) JsonDocument.Parse(File.ReadAllBytes(file)).Dispose();
            }
            catch (Exception ex) when (ex is InvalidDataException or JsonException or IOException)
            {
                problem = ex.Message;
            }
            if (problem is not null) yield return $"half-written under its final name: {Path.GetRelativePath(work, file)} ({problem})";
        }
    }

    /// <summary>The promoted directory holds the old or the new model, or it is mid-swap with the old one set aside.</summary>
    private bool PromotedModelRecoverable(string promoted)
    {
        var model = Path.Combine(promoted, "model.onnx");
        if (Directory.Exists(promoted)) return SameBytes(model, _incumbentModel) || SameBytes(model, _train.Model);
        var parent = Path.GetDirectoryName(promoted)!;
        return Directory.EnumerateDirectories(parent, "model.replaced-*")
            .Any(d => SameBytes(Path.Combine(d, "model.onnx"), _incumbentModel));
    }

    /// <summary>Temporary files and directories still under <paramref name="work"/>.</summary>
    private static IEnumerable<string> Leftovers(string work) =>
        Directory.EnumerateFileSystemEntries(work, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(work, p))
            .Where(IsTemporary);

    private static bool IsTemporary(string relative)
    {
        var name = Path.GetFileName(relative);
        return relative.Split(Path.DirectorySeparatorChar).Any(part =>
            TemporarySiblings.Purposes.Any(p => part.Contains($".{p}-", StringComparison.Ordinal))
            || part is "checkpoint.next" or "checkpoint.old" || part.EndsWith(".tmp", StringComparison.Ordinal))
            || name.StartsWith(".ortagent-probe-", StringComparison.Ordinal);
    }

    /// <summary>The records of a <c>metrics.jsonl</c> without what depends on the clock.</summary>
    private static string[] NormalizedMetrics(string path)
    {
        if (!File.Exists(path)) return [];
        return File.ReadAllLines(path).Select(line =>
        {
            var record = JsonNode.Parse(line)!.AsObject();
            record.Remove("samples_per_second");
            return record.ToJsonString();
        }).ToArray();
    }

    private static bool Loads(string model)
    {
        try
        {
            _ = OnnxModel.Load(model);
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return false;
        }
    }

    private static bool SameBytes(string path, byte[] expected) =>
        File.Exists(path) && CryptographicOperations.FixedTimeEquals(File.ReadAllBytes(path), expected);

    private async Task<(int ExitCode, string Error)> RunAsync(string[] args, string? crashAt, bool byRenames = false)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[_cli, .. args]) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (crashAt is null) start.Environment.Remove(CrashPoint.Variable);
        else start.Environment[CrashPoint.Variable] = crashAt;
        if (byRenames) start.Environment[CrashPoint.SwapVariable] = CrashPoint.SwapByRenames;
        else start.Environment.Remove(CrashPoint.SwapVariable);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {ProcessTimeout}");
        }
        await stdout;
        return (process.ExitCode, await stderr);
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n').LastOrDefault() ?? "";

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private static string Sentences(int rows, int seed, bool labelled)
    {
        string[] positive = ["good", "great", "excellent", "love", "nice"], negative = ["bad", "terrible", "awful", "hate", "boring"];
        string[] filler = ["the", "movie", "food", "service", "was", "very", "really", "this"];
        var random = new Random(seed);
        var csv = new StringBuilder(labelled ? "text,label\n" : "text\n");
        for (int i = 0; i < rows; i++)
        {
            var words = Enumerable.Range(0, random.Next(2, 6)).Select(_ => filler[random.Next(filler.Length)]).ToList();
            var pool = i % 2 == 0 ? positive : negative;
            words.Insert(random.Next(words.Count + 1), pool[random.Next(pool.Length)]);
            csv.Append(string.Join(' ', words));
            if (labelled) csv.Append(',').Append(i % 2 == 0 ? "positive" : "negative");
            csv.Append('\n');
        }
        return csv.ToString();
    }
}
