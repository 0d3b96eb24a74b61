using System.Text.Json;
using OrtAgent.Bench;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;

// ONNX Runtime's telemetry off before anything initialises it; child processes inherit the variable.
OnnxRuntimeEnvironment.ConfigureTelemetry(allow: false);

return BenchErrorHandler.Run(() =>
{
    var options = BenchOptions.Parse(args);
    if (options.Help)
    {
        Console.WriteLine(BenchOptions.HelpText);
        return 0;
    }
    if (options.IsChild) return MeasureOne(options);
    if (options.JsonPath is not null) FigureFile.CheckWritable(options.JsonPath);
    // Before artifacts are prepared, not as a child's stack trace or a skipped row minutes later.
    BenchPrerequisites.Check(options);
    using var workLock = WorkFolderLock.Acquire(options.WorkFolder);
    if (options.LearningCurve) return LearningCurveBenchmark.Execute(options);
    if (options.Distill) return DistillationBenchmark.Execute(options);
    if (options.Lora) return LoraBenchmark.Execute(options);
    if (options.Allocations) return AllocationBenchmark.Execute(options);
    return BenchRunner.Execute(options);
});

// One configuration in this process only, so VmHWM is its own peak; the parent holds the work folder's lock.
static int MeasureOne(BenchOptions options)
{
    var work = options.WorkDirectory ?? throw new BenchUsageException("--single needs --work");
    var kind = options.Single!.Split(':');
    var workspace = kind[0] == "matmul" ? null : BenchWorkspace.Open(work);
    var result = kind switch
    {
        ["matmul"] => MatMulPeakBenchmark.Run(options, work),
        ["train", var s] => TrainingStepBenchmark.Run(workspace!.Artifacts, options, int.Parse(s)),
        ["lora-train", var s, var rank] => TrainingStepBenchmark.Run(BenchWorkspace.OpenLora(work, int.Parse(rank)), options, int.Parse(s)),
        ["infer", var precision] => InferenceBenchmark.Run(workspace!, options, precision == "int8"),
        _ => throw new BenchUsageException($"--single: unknown configuration '{options.Single}'"),
    };
    AtomicFile.WriteAllText(options.OutputPath ?? throw new BenchUsageException("--single needs --out"), JsonSerializer.Serialize(result));
    return 0;
}
