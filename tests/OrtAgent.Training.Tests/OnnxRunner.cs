using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrtAgent.Onnx;

namespace OrtAgent.Training.Tests;

/// <summary>Runs a graph built by a test on the CPU provider with full optimisation and returns outputs as arrays.</summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxRunner(InferenceSession session) => _session = session;

    public InferenceSession Session => _session;

    public static SessionOptions FullOptimization() => new() { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };

    public static OnnxRunner FromModel(OnnxModel model)
    {
        using var options = FullOptimization();
        return new OnnxRunner(new InferenceSession(model.ToBytes(), options));
    }

    public static OnnxRunner FromFile(string path)
    {
        using var options = FullOptimization();
        return new OnnxRunner(new InferenceSession(path, options));
    }

    public static OnnxModel ModelOf(Graph graph) => new(graph);

    /// <summary>Feeds named tensors and returns every requested output as (type, shape, doubles).</summary>
    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> feeds, IEnumerable<string>? outputs = null)
    {
        var names = (outputs ?? _session.OutputNames).ToArray();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (_, data) in feeds) values.Add(ToOrtValue(data));
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, feeds.Keys.ToArray(), values, names);
            var map = new Dictionary<string, TensorData>();
            for (int i = 0; i < names.Length; i++) map[names[i]] = FromOrtValue(results[i]);
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
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
}
