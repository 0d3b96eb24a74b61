using System.Globalization;
using Spectre.Console;

namespace OrtAgent.Bench;

/// <summary>Prints the results table (what, on what, ratio to PyTorch) and writes the same as JSON.</summary>
public static class BenchReport
{
    public static void Print(IReadOnlyList<BenchRow> rows, BenchOptions options, MachineInfo machine, string loadAtEnd)
    {
        // Redirected output would otherwise be wrapped at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;
        AnsiConsole.MarkupLine($"[bold]OrtAgent bench[/]: minilm (6 layers, hidden 384, 12 heads), {options.Threads} intra-op threads, batch {options.BatchSize}" +
            (options.Quick ? " [yellow](--quick: smoke-test sizes, not a measurement)[/]" : ""));
        AnsiConsole.MarkupLine(Markup.Escape($"Machine: {machine.CpuModel}, {machine.LogicalCpus} logical CPUs; load average {machine.LoadAverage} at start, {loadAtEnd} at end"));
        AnsiConsole.MarkupLine(Markup.Escape(options.SkipTorch
            ? "Reference: none (--no-torch): OrtAgent's figures alone, no PyTorch column or ratio"
            : "Reference: PyTorch (tools/parity/torch_bench.py, same weights, torch.set_num_threads" +
              (options.OmpWaitPolicy is null ? "" : $", OMP_WAIT_POLICY={options.OmpWaitPolicy}") + ") — ratio = OrtAgent / PyTorch"));
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("Measurement", "Unit", "OrtAgent", "PyTorch", "OrtAgent/PyTorch", "Note");
        string? section = null;
        foreach (var row in rows)
        {
            if (row.Section != section)
            {
                section = row.Section;
                table.AddRow($"[bold]{Markup.Escape(section)}[/]", "", "", "", "", "");
            }
            var ratio = double.IsNaN(row.Ratio) ? "–" : row.Ratio.ToString("F2", CultureInfo.InvariantCulture) + "×";
            var verdict = double.IsNaN(row.Ratio) || row.Note == "same count for both" ? "" : (row.Ratio >= 1) == row.HigherIsBetter ? " [green]✓[/]" : " [red]✗[/]";
            table.AddRow(Markup.Escape(row.Measurement), Markup.Escape(row.Unit), Format(row.OrtAgent), Format(row.PyTorch), ratio + verdict,
                Markup.Escape(row.Note ?? (row.HigherIsBetter ? "higher is better" : "lower is better")));
        }
        AnsiConsole.Write(table);
    }

    /// <summary>
    /// The table as JSON, opening with <see cref="FigureFile"/>'s provenance (when, commit, build, machine) as every
    /// mode's file does; then the settings, the load average at start and end, the FLOP counts, the rows and every
    /// child's raw numbers.
    /// </summary>
    /// <exception cref="UserInputException">The file cannot be written there.</exception>
    public static void WriteJson(string path, IReadOnlyList<BenchRow> rows, BenchRunner runner, BenchOptions options, MachineInfo machine, string loadAtEnd)
    {
        FigureFile.Write(path, BenchWorkspace.MeasuredBuild(withCli: options.EndToEnd), new
        {
            settings = new
            {
                model = "minilm", threads = options.Threads, batch = options.BatchSize, sequences = options.SequenceLengths, steps = options.Steps,
                warmup = options.WarmupSteps, omp_wait_policy = options.OmpWaitPolicy, inference_runs = options.InferenceRuns, latency_runs = options.LatencyRuns,
                matmul = options.MatMulSize, quick = options.Quick, device = options.Device.ToString().ToLowerInvariant(), no_torch = options.SkipTorch,
                end_to_end = options.EndToEnd,
            },
            load_average_start = machine.LoadAverage,
            load_average_end = loadAtEnd,
            flop_counts = runner.Flops.ToDictionary(p => p.Key, p => new
            {
                matmul_flops = p.Value.MatMulFlops, matmul_nodes = p.Value.MatMulNodes, unresolved_matmuls = p.Value.Unresolved, other_output_elements = p.Value.OtherElements, uninferred_nodes = p.Value.UninferredNodes,
                unresolved = p.Value.UnresolvedNodes, op_types = p.Value.OpTypes,
            }),
            rows = rows.Select(r => new
            {
                section = r.Section, measurement = r.Measurement.Trim(), unit = r.Unit, ortagent = Finite(r.OrtAgent), pytorch = Finite(r.PyTorch),
                ratio = Finite(r.Ratio), higher_is_better = r.HigherIsBetter, note = r.Note,
            }),
            raw = runner.Raw,
        });
        AnsiConsole.MarkupLine($"[grey]Wrote {Markup.Escape(path)}[/]");
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Format(double value) =>
        double.IsNaN(value) ? "–" : Math.Abs(value) >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture)
            : Math.Abs(value) >= 10 ? value.ToString("F1", CultureInfo.InvariantCulture) : value.ToString("F2", CultureInfo.InvariantCulture);
}
