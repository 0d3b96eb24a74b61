using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Bench;

/// <summary>
/// The machine's practical float32 peak as ONNX Runtime reaches it: one square MatMul (n×n by n×n) with the bench's
/// thread count; GFLOP/s = 2n³ / fastest of the timed runs (a peak is the best the engine does; the fastest run is also
/// the one least disturbed by other work on the machine). The median is reported beside it.
/// </summary>
public static class MatMulPeakBenchmark
{
    public static Dictionary<string, double> Run(BenchOptions options, string workDirectory)
    {
        int n = options.MatMulSize;
        var g = new Graph("matmul_peak");
        var a = g.AddInput("a", ElementType.Float, [n, n]);
        var b = g.AddInput("b", ElementType.Float, [n, n]);
        var y = g.MatMul(a, b);
        g.RenameValue(y, "y");
        y.Type = ElementType.Float;
        y.Shape = [n, n];
        g.AddOutput(y);
        var path = Path.Combine(workDirectory, $"matmul_{n}.onnx");
        new OnnxModel(g).Save(path);

        using var sessionOptions = options.SessionSettings.CreateSessionOptions();
        using var session = new InferenceSession(path, sessionOptions);
        var random = new Random(3);
        var left = Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var right = Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        using var leftValue = OrtValue.CreateTensorValueFromMemory(left, [n, n]);
        using var rightValue = OrtValue.CreateTensorValueFromMemory(right, [n, n]);
        using var runOptions = new RunOptions();
        var times = new List<double>();
        int runs = options.Quick ? 3 : 10;
        for (int i = 0; i < runs + 2; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using var outputs = session.Run(runOptions, ["a", "b"], [leftValue, rightValue], ["y"]);
            if (i >= 2) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        double median = Samples.Median(times);
        return new()
        {
            ["n"] = n,
            ["ms"] = times.Min(),
            ["median_ms"] = median,
            ["gflops"] = 2.0 * n * n * n / (times.Min() / 1000) / 1e9,
            ["median_gflops"] = 2.0 * n * n * n / (median / 1000) / 1e9,
        };
    }
}
