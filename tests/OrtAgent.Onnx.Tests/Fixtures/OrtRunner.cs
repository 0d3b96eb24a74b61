using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Onnx.Tests;

/// <summary>Runs a model in ONNX Runtime (CPU) and returns every output as floats, for comparing graphs by their results.</summary>
public static class OrtRunner
{
    /// <summary>Runs the model file at <paramref name="path"/>.</summary>
    public static Dictionary<string, float[]> Run(string path, IReadOnlyDictionary<string, (long[] Data, long[] Shape)> inputs)
    {
        using var session = new InferenceSession(path, Options());
        return Run(session, inputs);
    }

    /// <summary>Runs a model held in memory (no external data).</summary>
    public static Dictionary<string, float[]> Run(byte[] model, IReadOnlyDictionary<string, (long[] Data, long[] Shape)> inputs)
    {
        using var session = new InferenceSession(model, Options());
        return Run(session, inputs);
    }

    /// <summary>Runs a model with float inputs.</summary>
    public static Dictionary<string, float[]> Run(byte[] model, IReadOnlyDictionary<string, (float[] Data, long[] Shape)> inputs)
    {
        using var session = new InferenceSession(model, Options());
        var values = inputs.ToDictionary(p => p.Key, p => OrtValue.CreateTensorValueFromMemory(p.Value.Data, p.Value.Shape));
        return RunValues(session, values);
    }

    /// <summary>The largest absolute difference between two equally long arrays.</summary>
    public static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>
    /// Two sequences of different length, the shorter padded with id 0 and masked out: the batch every encoder
    /// comparison runs ([CLS] … [SEP] in the BERT vocabulary both packaged models share).
    /// </summary>
    public static Dictionary<string, (long[] Data, long[] Shape)> EncoderBatch() => new()
    {
        ["input_ids"] = ([101, 7592, 2088, 2003, 1037, 3231, 1012, 102,
                          101, 2307, 2154, 102, 0, 0, 0, 0], [2, 8]),
        ["attention_mask"] = ([1, 1, 1, 1, 1, 1, 1, 1,
                               1, 1, 1, 1, 0, 0, 0, 0], [2, 8]),
        ["token_type_ids"] = (new long[16], [2, 8]),
    };

    private static Dictionary<string, float[]> Run(InferenceSession session, IReadOnlyDictionary<string, (long[] Data, long[] Shape)> inputs)
    {
        var values = inputs.Where(p => session.InputMetadata.ContainsKey(p.Key))
            .ToDictionary(p => p.Key, p => OrtValue.CreateTensorValueFromMemory(p.Value.Data, p.Value.Shape));
        return RunValues(session, values);
    }

    private static Dictionary<string, float[]> RunValues(InferenceSession session, Dictionary<string, OrtValue> values)
    {
        try
        {
            using var runOptions = new RunOptions();
            var names = session.OutputNames;
            using var outputs = session.Run(runOptions, values, names);
            return names.Zip(outputs).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var value in values.Values) value.Dispose();
        }
    }

    // One intra-op thread: the machine is shared, and deterministic single-threaded kernels make bitwise comparisons fair.
    private static SessionOptions Options() => new() { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
}
