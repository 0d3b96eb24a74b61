// Compares one fine-tuning job through the service's API with `ortagent train` on the same data and settings,
// alternating the two (A B A B ...) so that drift in the machine's load hits both alike, and prints each pair's
// ratio and the median overhead. Both run the built CLI in child processes:
//   A  `ortagent train --data chat.jsonl --base minilm --seed 42`: process start to exit.
//   B  one `ortagent serve --fine-tuning` started beforehand; upload the file, create the job (seed 42, every
//      hyperparameter "auto" = train's defaults), poll every 100 ms until it has succeeded.
// Wall time is what the target is about, but on a shared machine it swings by tens of percent between identical runs,
// so each side's CPU time (user + system) is measured too: the train process's own (its rusage, once reaped), and the
// server's during the job (from /proc). CPU time counts the work done, which other processes' load barely changes.
// Usage: FineTuningBenchOptions.Usage. Ctrl+C or SIGTERM stops it cleanly: the children are killed, the temporary folder removed.
using System.Runtime.InteropServices;
using OrtAgent;
using OrtAgent.FineTuningBench;

using var stop = new CancellationTokenSource();
// A signal would end the process without running any finally block, leaving `ortagent train` or the server running
// and a few hundred MB in the temporary folder; cancelling instead lets the comparison kill and remove them. A second
// signal while it does ends the process at once.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    var options = FineTuningBenchOptions.Parse(args);
    // Help before any check of what the run would write: --help answers whatever else is on the line.
    if (options.Help)
    {
        Console.WriteLine(FineTuningBenchOptions.Usage);
        return 0;
    }
    if (options.JsonPath is not null) OrtAgent.Bench.FigureFile.CheckWritable(options.JsonPath);
    await new FineTuningComparison(options).RunAsync(stop.Token);
    return 0;
}
// The one place a mistake in what was given (a flag, the data file) becomes one line, exit code 2.
catch (UserInputException ex)
{
    Console.Error.WriteLine($"fine-tuning-bench: {ex.Message.ReplaceLineEndings(" ")}; see --help");
    return 2;
}
catch (ComparisonFailedException ex)
{
    Console.Error.WriteLine($"fine-tuning-bench: {ex.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("fine-tuning-bench: stopped; its child processes were killed and its temporary folder removed");
    return 130;
}

void Stop(PosixSignalContext context)
{
    context.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
}
