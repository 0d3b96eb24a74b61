using System.Text.Json;

namespace OrtAgent.Bench;

/// <summary>The kernel events of an ONNX Runtime profile file (Chrome trace JSON), with the first runs left out.</summary>
public sealed class OrtProfile
{
    /// <summary>
    /// One node execution: its op type, node name, input shapes as ONNX Runtime recorded them, duration, and the
    /// execution provider it ran on (a node of a CUDA session that landed on the CPU shows here).
    /// </summary>
    public sealed record Kernel(string OpType, string Node, string InputShapes, double Microseconds, string Provider);

    private OrtProfile(IReadOnlyList<Kernel> kernels, int runs)
    {
        Kernels = kernels;
        Runs = runs;
    }

    public IReadOnlyList<Kernel> Kernels { get; }

    /// <summary>Runs the kernels were collected over (model_run events after the skipped ones).</summary>
    public int Runs { get; }

    public static OrtProfile Read(string path, int skipRuns)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var events = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("traceEvents");
        var runStarts = events.EnumerateArray()
            .Where(e => Str(e, "cat") == "Session" && Str(e, "name") == "model_run")
            .Select(e => e.GetProperty("ts").GetDouble()).Order().ToArray();
        double from = runStarts.Length > skipRuns ? runStarts[skipRuns] : double.MinValue;
        var kernels = new List<Kernel>();
        foreach (var e in events.EnumerateArray())
        {
            if (Str(e, "cat") != "Node" || Str(e, "name") is not { } name || !name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            if (e.GetProperty("ts").GetDouble() < from) continue;
            var args = e.GetProperty("args");
            kernels.Add(new Kernel(Str(args, "op_name") ?? "?", name[..^"_kernel_time".Length], Shapes(args), e.GetProperty("dur").GetDouble(),
                Str(args, "provider") ?? "?"));
        }
        return new OrtProfile(kernels, Math.Max(1, runStarts.Length - skipRuns));
    }

    private static string? Str(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // "input_type_shape": [{"float": [32, 128, 384]}, {"float": [384, 384]}]
    private static string Shapes(JsonElement args)
    {
        if (!args.TryGetProperty("input_type_shape", out var inputs) || inputs.ValueKind != JsonValueKind.Array) return "";
        return string.Join(" ", inputs.EnumerateArray().SelectMany(i => i.EnumerateObject())
            .Select(p => "[" + string.Join(",", p.Value.EnumerateArray().Select(d => d.ToString())) + "]"));
    }
}
