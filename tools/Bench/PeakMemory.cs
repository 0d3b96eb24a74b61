namespace OrtAgent.Bench;

/// <summary>This process's peak resident set (<c>VmHWM</c> in <c>/proc/self/status</c>), which is why each configuration runs in its own process.</summary>
public static class PeakMemory
{
    /// <summary>Peak RSS in MiB, or NaN where <c>/proc</c> is not available.</summary>
    public static double PeakResidentMiB()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return double.NaN;
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) / 1024.0;
        return double.NaN;
    }
}
