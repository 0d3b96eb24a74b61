namespace OrtAgent.Bench;

/// <summary>
/// What the numbers were measured on: CPU model, logical CPUs, operating system, and the load average while measuring.
/// Shared with load-test and fine-tuning-bench.
/// </summary>
public sealed record MachineInfo(string CpuModel, int LogicalCpus, string Os, string LoadAverage)
{
    public static MachineInfo Current() => new(ReadCpuModel(), Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription, LoadAverageNow());

    /// <summary>The 1, 5 and 15-minute load averages from <c>/proc/loadavg</c>.</summary>
    public static string LoadAverageNow() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The 1-minute load average, NaN when unknown.</summary>
    public static double OneMinuteLoad() =>
        double.TryParse(LoadAverageNow().Split(' ')[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : double.NaN;

    private static string ReadCpuModel()
    {
        if (!File.Exists("/proc/cpuinfo")) return "unknown";
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? "unknown";
    }
}
