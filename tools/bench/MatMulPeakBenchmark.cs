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
        // The operands and the product stay where the MatMul runs, as PyTorch's do: on CUDA, copying 3 × n² floats
        // over PCIe each run would be timed with the kernel (an H200 then measured 3.6 TFLOP/s against PyTorch's 48.5).
        using var memory = options.Device == ExecutionDevice.Cuda
            ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, options.SessionSettings.DeviceId, OrtMemType.Default)
            : new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
        // The placing session owns the memory the operands live in, so it lives as long as they do.
        using var place = PlacingSession(options, n);
        using var operands = Place(place, memory, left, right, n);
        using var binding = session.CreateIoBinding();
        binding.BindInput("a", operands[0]);
        binding.BindInput("b", operands[1]);
        binding.BindOutputToDevice("y", memory);
        using var runOptions = new RunOptions();
        var times = new List<double>();
        int runs = options.Quick ? 3 : 10;
        for (int i = 0; i < runs + 2; i++)
        {
            long start = Stopwatch.GetTimestamp();
            // ONNX Runtime synchronises the device at the end of a run, so the time includes the kernel.
            session.RunWithBinding(runOptions, binding);
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

    /// <summary>A session of two Identity nodes (a → a_placed, b → b_placed) that copies the operands where they run.</summary>
    private static InferenceSession PlacingSession(BenchOptions options, int n)
    {
        var g = new Graph("place");
        foreach (var name in new[] { "a", "b" })
        {
            var placed = g.Identity(g.AddInput(name, ElementType.Float, [n, n]));
            g.RenameValue(placed, name + "_placed");
            placed.Type = ElementType.Float;
            placed.Shape = [n, n];
            g.AddOutput(placed);
        }
        using var sessionOptions = options.SessionSettings.CreateSessionOptions();
        return new InferenceSession(new OnnxModel(g).ToBytes(), sessionOptions);
    }

    /// <summary>The two operands copied once into <paramref name="memory"/> by <paramref name="place"/>.</summary>
    private static IDisposableReadOnlyCollection<OrtValue> Place(InferenceSession place, OrtMemoryInfo memory, float[] left, float[] right, int n)
    {
        using var leftValue = OrtValue.CreateTensorValueFromMemory(left, [n, n]);
        using var rightValue = OrtValue.CreateTensorValueFromMemory(right, [n, n]);
        using var binding = place.CreateIoBinding();
        binding.BindInput("a", leftValue);
        binding.BindInput("b", rightValue);
        binding.BindOutputToDevice("a_placed", memory);
        binding.BindOutputToDevice("b_placed", memory);
        using var runOptions = new RunOptions();
        place.RunWithBinding(runOptions, binding);
        return binding.GetOutputValues();
    }
}
