using System.Globalization;
using System.Text.RegularExpressions;
using OrtAgent.Onnx;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// Where the transformer layers of a BERT-family graph begin and end, found by their parameter names: layer <c>i</c>
/// ends in the LayerNorm whose bias is <c>encoder.layer.i.output.LayerNorm.bias</c> (one fused LayerNormalization
/// node, or the exporters' decomposed form ending in an Add of that bias), and layer 0 starts from the output of the
/// embeddings' LayerNorm. Every value between two of those boundaries belongs to one layer, which is what lets
/// <see cref="StudentEncoder"/> cut layers out by rewiring a boundary.
/// </summary>
internal sealed partial class EncoderLayers
{
    private EncoderLayers(string prefix, Value embeddingsOutput, Value[] layerOutputs, int hiddenSize)
    {
        Prefix = prefix;
        HiddenSize = hiddenSize;
        EmbeddingsOutput = embeddingsOutput;
        LayerOutputs = layerOutputs;
    }

    /// <summary>What precedes <c>encoder.layer.</c> in the parameter names (empty for Hugging Face exports).</summary>
    public string Prefix { get; }

    /// <summary>The embeddings' LayerNorm output: layer 0's input.</summary>
    public Value EmbeddingsOutput { get; }

    /// <summary>Layer <c>i</c>'s output, which is layer <c>i + 1</c>'s input.</summary>
    public IReadOnlyList<Value> LayerOutputs { get; }

    public int Count => LayerOutputs.Count;

    /// <summary>Width of the hidden states (the embeddings' LayerNorm size).</summary>
    public int HiddenSize { get; }

    /// <summary>Finds the layers of <paramref name="graph"/>; null when the names do not show them.</summary>
    public static EncoderLayers? Find(Graph graph)
    {
        var indexes = new SortedSet<int>();
        string? prefix = null;
        foreach (var initializer in graph.Initializers)
        {
            var match = LayerParameter().Match(initializer.Name);
            if (!match.Success) continue;
            if (prefix is not null && prefix != match.Groups[1].Value) return null;
            prefix = match.Groups[1].Value;
            indexes.Add(int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
        }
        if (prefix is null || indexes.Min != 0 || indexes.Max != indexes.Count - 1) return null;
        var embeddings = OutputReading(graph, prefix + "embeddings.LayerNorm.bias", out var bias);
        var outputs = indexes.Select(i => OutputReading(graph, $"{prefix}encoder.layer.{i}.output.LayerNorm.bias", out _)).ToArray();
        if (embeddings is null || bias is not { Rank: 1 } || outputs.Any(o => o is null)) return null;
        return new EncoderLayers(prefix, embeddings, outputs!, (int)bias.Dims[0]);
    }

    /// <summary>How many encoder layers the parameters named <paramref name="parameterNames"/> hold (distinct <c>encoder.layer.i.</c> indexes).</summary>
    public static int CountIn(IEnumerable<string> parameterNames) =>
        parameterNames.Select(name => LayerParameter().Match(name)).Where(m => m.Success).Select(m => m.Groups[2].Value).Distinct(StringComparer.Ordinal).Count();

    /// <summary>The parameter-name prefix of layer <paramref name="index"/>, e.g. <c>encoder.layer.3.</c>.</summary>
    public string LayerPrefix(int index) => $"{Prefix}encoder.layer.{index.ToString(CultureInfo.InvariantCulture)}.";

    // The node that reads the LayerNorm's bias produces the normalised output, in the fused and the decomposed form alike.
    private static Value? OutputReading(Graph graph, string biasName, out TensorData? bias)
    {
        bias = null;
        var readers = graph.Nodes.Where(n => n.Inputs.Any(i => i is not null && i.IsInitializer && i.Name == biasName)).ToList();
        if (readers.Count != 1) return null;
        bias = readers[0].Inputs.First(i => i is not null && i.Name == biasName)!.Initializer;
        return readers[0].Outputs[0];
    }

    [GeneratedRegex(@"^(.*?)encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerParameter();
}
