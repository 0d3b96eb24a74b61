using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrtAgent.Onnx;

namespace OrtAgent.TestSupport;

/// <summary>
/// Runs a model on ONNX Runtime's CPU provider with full graph optimisation and returns its outputs as arrays, so that
/// tests compare graphs by their results. One intra-op thread: the machine is shared, and single-threaded kernels
/// are deterministic, which keeps bitwise comparisons fair.
/// </summary>
public sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxRunner(InferenceSession session) => _session = session;

    public InferenceSession Session => _session;

    public static OnnxRunner FromModel(OnnxModel model) => FromBytes(model.ToBytes());

    public static OnnxRunner FromBytes(byte[] model)
    {
        using var options = Options();
        return new OnnxRunner(new InferenceSession(model, options));
    }

    public static OnnxRunner FromFile(string path)
    {
        using var options = Options();
        return new OnnxRunner(new InferenceSession(path, options));
    }

    /// <summary>Runs the model file at <paramref name="path"/> once and returns every output as floats.</summary>
    public static Dictionary<string, float[]> RunFile(string path, IReadOnlyDictionary<string, TensorData> feeds)
    {
        using var runner = FromFile(path);
        return runner.RunFloats(feeds);
    }

    /// <summary>Runs a model held in memory (no external data) once and returns every output as floats.</summary>
    public static Dictionary<string, float[]> RunBytes(byte[] model, IReadOnlyDictionary<string, TensorData> feeds)
    {
        using var runner = FromBytes(model);
        return runner.RunFloats(feeds);
    }

    /// <summary>
    /// Feeds the named tensors the model declares (others are left out, so one batch serves encoders with and
    /// without token_type_ids) and returns every requested output, by default all of them.
    /// </summary>
    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> feeds, IEnumerable<string>? outputs = null)
    {
        var names = (outputs ?? _session.OutputNames).ToArray();
        var declared = feeds.Where(feed => _session.InputMetadata.ContainsKey(feed.Key)).ToArray();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (_, data) in declared) values.Add(ToOrtValue(data));
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, declared.Select(feed => feed.Key).ToArray(), values, names);
            var map = new Dictionary<string, TensorData>();
            for (int i = 0; i < names.Length; i++) map[names[i]] = FromOrtValue(results[i]);
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary><see cref="Run"/> with every output (all float) as a flat array.</summary>
    public Dictionary<string, float[]> RunFloats(IReadOnlyDictionary<string, TensorData> feeds) =>
        Run(feeds).ToDictionary(output => output.Key, output => output.Value.ToArray<float>());

    /// <summary>The largest absolute difference between two equally long arrays.</summary>
    public static float MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Arrays of {a.Length} and {b.Length} elements cannot be compared.");
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    public static OrtValue ToOrtValue(TensorData data)
    {
        var shape = data.Dims.ToArray();
        return data.Type switch
        {
            ElementType.Float => OrtValue.CreateTensorValueFromMemory(data.ToArray<float>(), shape),
            ElementType.Int64 => OrtValue.CreateTensorValueFromMemory(data.ToArray<long>(), shape),
            ElementType.Bool => OrtValue.CreateTensorValueFromMemory(data.ToArray<bool>(), shape),
            _ => throw new NotSupportedException(data.Type.ToString()),
        };
    }

    public static TensorData FromOrtValue(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return info.ElementDataType switch
        {
            TensorElementType.Float => TensorData.Create<float>(info.Shape, value.GetTensorDataAsSpan<float>()),
            TensorElementType.Int64 => TensorData.Create<long>(info.Shape, value.GetTensorDataAsSpan<long>()),
            TensorElementType.Bool => TensorData.Create<bool>(info.Shape, value.GetTensorDataAsSpan<bool>()),
            _ => throw new NotSupportedException(info.ElementDataType.ToString()),
        };
    }

    public void Dispose() => _session.Dispose();

    private static SessionOptions Options() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
    };
}
