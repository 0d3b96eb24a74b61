namespace OrtAgent.Bench;

/// <summary>This process's peak resident set (<c>VmHWM</c> in <c>/proc/self/status</c>), which is why each configuration runs in its own process.</summary>
public static class PeakMemory
{
    /// <summary>Peak RSS in MiB, or NaN where <c>/proc</c> is not available.</summary>
    public static double PeakResidentMiB() => PeakResidentMiB("self");

    /// <summary>Peak RSS of process <paramref name="pid"/> (<c>self</c> or a number) in MiB, or NaN where it cannot be read.</summary>
    public static double PeakResidentMiB(string pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path)) return double.NaN;
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) / 1024.0;
        return double.NaN;
    }
}
