using System.Text.Json;
using OrtAgent.Bench;
using OrtAgent.Runtime;
using Spectre.Console;
using OrtAgent.Training.Checkpoints;

// ONNX Runtime's telemetry off before anything initialises it; child processes inherit the variable.
OnnxRuntimeEnvironment.ConfigureTelemetry(allow: false);

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"bench: {ex.Message}\nusage: {BenchOptions.Usage}");
    return 2;
}

if (options.IsChild)
{
    // One configuration in this process only, so VmHWM is its own peak.
    var work = options.WorkDirectory ?? throw new InvalidOperationException("--single needs --work");
    var kind = options.Single!.Split(':');
    var workspace = kind[0] == "matmul" ? null : BenchWorkspace.Open(work);
    var result = kind switch
    {
        ["matmul"] => MatMulPeakBenchmark.Run(options, work),
        ["train", var s] => TrainingStepBenchmark.Run(workspace!.Artifacts, options, int.Parse(s)),
        ["lora-train", var s, var rank] => TrainingStepBenchmark.Run(BenchWorkspace.OpenLora(work, int.Parse(rank)), options, int.Parse(s)),
        ["infer", var precision] => InferenceBenchmark.Run(workspace!, options, precision == "int8"),
        _ => throw new ArgumentException($"--single: unknown configuration '{options.Single}'"),
    };
    AtomicFile.WriteAllText(options.OutputPath ?? throw new InvalidOperationException("--single needs --out"), JsonSerializer.Serialize(result));
    return 0;
}

if (options.LearningCurve) return LearningCurveBenchmark.Execute(options);
if (options.Distill) return DistillationBenchmark.Execute(options);
if (options.Lora) return LoraBenchmark.Execute(options);

var workDirectory = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "ortagent-bench");
Directory.CreateDirectory(workDirectory);
var machine = MachineInfo.Current();
if (MachineInfo.OneMinuteLoad() > 0.75 * machine.LogicalCpus)
    AnsiConsole.MarkupLine($"[yellow]Load average {Markup.Escape(machine.LoadAverage)} on {machine.LogicalCpus} CPUs: other work competes for the cores, so timings will be slow and noisy (PyTorch's OpenMP threads worst: try --omp-wait-policy PASSIVE).[/]");
AnsiConsole.MarkupLine($"[grey]Preparing artifacts and exports in {Markup.Escape(workDirectory)}…[/]");
BenchWorkspace prepared;
try
{
    prepared = BenchWorkspace.Prepare(workDirectory, options.ModelsRoot);
}
catch (FileNotFoundException ex)
{
    Console.Error.WriteLine($"bench: {ex.Message}");
    return 2;
}

if (options.Profile)
{
    TrainingProfiler.Run(prepared, options);
    return 0;
}

var runner = new BenchRunner(options, prepared);
var rows = runner.Run();
var loadAtEnd = MachineInfo.LoadAverageNow();
BenchReport.Print(rows, options, machine, loadAtEnd);
if (options.JsonPath is not null) BenchReport.WriteJson(options.JsonPath, rows, runner, options, machine, loadAtEnd);
return 0;
