using System.Text.RegularExpressions;
using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.BaseModels;

/// <summary>
/// Reads a BERT encoder's architecture off its ONNX graph: layer count from <c>encoder.layer.N.*</c> initializer names,
/// sizes from the shapes of the embedding and feed-forward weights, heads from the attention-score scaling constant
/// (or the head-splitting Reshape), casing from the vocabulary. Exporters rename and fold things, so each fact has
/// the fallbacks the packaged models need; a fact that cannot be found fails naming the model file.
/// </summary>
internal static partial class BaseModelInspector
{
    /// <summary>Derives the architecture; <paramref name="modelPath"/> is only used in error messages.</summary>
    /// <exception cref="UserInputException">The graph does not look like a BERT encoder.</exception>
    public static BaseModelArchitecture Inspect(OnnxModel model, IEnumerable<string> vocabulary, string modelPath)
    {
        var graph = model.Graph;
        var initializers = graph.Initializers.ToDictionary(v => v.Name, StringComparer.Ordinal);

        var wordEmbeddings = FindBySuffix(graph, "word_embeddings.weight", modelPath);
        if (wordEmbeddings.Initializer!.Rank != 2)
            throw Unreadable(modelPath, $"'{wordEmbeddings.Name}' has shape {wordEmbeddings.Initializer}, expected [vocab, hidden]");
        int vocabSize = checked((int)wordEmbeddings.Initializer.Dims[0]);
        int hidden = checked((int)wordEmbeddings.Initializer.Dims[1]);

        var positions = FindBySuffix(graph, "position_embeddings.weight", modelPath);
        int maxPositions = checked((int)positions.Initializer!.Dims[0]);

        var layerIndexes = graph.Initializers
            .Select(v => LayerIndexPattern().Match(v.Name))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        if (layerIndexes.Count == 0)
            throw Unreadable(modelPath, "no initializer is named encoder.layer.N.*");
        int layers = layerIndexes.Max() + 1;

        int intermediate = IntermediateSize(graph, initializers, hidden)
            ?? throw Unreadable(modelPath, "no encoder.layer.0.intermediate.dense weight or bias");
        int heads = HeadsFromScoreScaling(graph, hidden) ?? HeadsFromReshape(graph, hidden)
            ?? throw Unreadable(modelPath, "cannot find the attention-score scaling constant or the head-splitting Reshape");

        return new BaseModelArchitecture(
            Layers: layers,
            HiddenSize: hidden,
            Heads: heads,
            IntermediateSize: intermediate,
            VocabSize: vocabSize,
            LowerCase: IsLowerCaseVocabulary(vocabulary),
            MaxPositions: maxPositions,
            InputNames: graph.Inputs.Select(v => v.Name).ToArray(),
            OutputName: ModelContract.LastHiddenState,
            Opset: graph.Opsets.TryGetValue("", out var opset) ? opset : graph.Opsets.GetValueOrDefault("ai.onnx"),
            HasPooler: graph.Initializers.Any(v => v.Name.StartsWith("pooler.", StringComparison.Ordinal)
                                                   || v.Name.Contains(".pooler.", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A vocabulary is lower-cased when no ordinary token changes under lower-casing. Bracketed special tokens such as
    /// <c>[CLS]</c> do not count, nor do capital-looking symbols with no lower-case form (uncased BERT keeps <c>ℝ</c>).
    /// </summary>
    internal static bool IsLowerCaseVocabulary(IEnumerable<string> vocabulary) =>
        !vocabulary.Any(token => !(token.StartsWith('[') && token.EndsWith(']'))
                                 && token.Any(c => char.ToLowerInvariant(c) != c));

    private static int? IntermediateSize(Graph graph, Dictionary<string, Value> initializers, int hidden)
    {
        // Hugging Face names the weight; torch.onnx often folds it into an anonymous MatMul operand, so follow the bias.
        if (initializers.TryGetValue("encoder.layer.0.intermediate.dense.weight", out var weight) && weight.Initializer!.Rank == 2)
            return (int)weight.Initializer.Dims.First(d => d != hidden);
        if (!initializers.TryGetValue("encoder.layer.0.intermediate.dense.bias", out var bias)) return null;
        foreach (var add in graph.Nodes.Where(n => n.OpType == "Add" && n.Inputs.Contains(bias)))
        {
            var other = add.Inputs.FirstOrDefault(v => v is not null && v != bias);
            if (other?.Producer is { OpType: "MatMul" } matMul && matMul.Input(1)?.Initializer is { Rank: 2 } matrix)
                return (int)matrix.Dims[1];
        }
        return (int)bias.Initializer!.Dims[^1];
    }

    /// <summary>Attention scores are <c>MatMul(Q, Kᵀ) / sqrt(head_dim)</c> (or <c>× 1/sqrt(head_dim)</c>).</summary>
    private static int? HeadsFromScoreScaling(Graph graph, int hidden)
    {
        foreach (var node in graph.Nodes.Where(n => n.OpType is "Div" or "Mul"))
        {
            for (int i = 0; i < 2; i++)
            {
                var scores = node.Input(i);
                var scale = node.Input(1 - i);
                if (scores?.Producer?.OpType != "MatMul" || scale is null) continue;
                if (ConstantOf(scale) is not { ElementCount: 1 } constant) continue;
                double c = constant.ToDoubles()[0];
                if (c <= 0) continue;
                double headDim = node.OpType == "Div" ? c * c : 1 / (c * c);
                long rounded = (long)Math.Round(headDim);
                if (rounded <= 1 || Math.Abs(headDim - rounded) > 1e-3 * rounded || hidden % rounded != 0) continue;
                return (int)(hidden / rounded);
            }
        }
        return null;
    }

    /// <summary>Q, K and V are split into heads by a Reshape to <c>[batch, sequence, heads, head_dim]</c>.</summary>
    private static int? HeadsFromReshape(Graph graph, int hidden)
    {
        foreach (var reshape in graph.Nodes.Where(n => n.OpType == "Reshape"))
        {
            var dims = ShapeConstants(reshape.Input(1));
            for (int i = 0; i + 1 < dims.Count; i++)
                if (dims[i] > 1 && dims[i + 1] > 1 && dims[i] * dims[i + 1] == hidden)
                    return (int)dims[i];
        }
        return null;
    }

    /// <summary>The known entries of a Reshape's shape operand, whether a constant or a Concat of constants.</summary>
    private static List<long> ShapeConstants(Value? shape)
    {
        var known = new List<long>();
        if (shape is null) return known;
        if (ConstantOf(shape) is { } direct) return [.. direct.ToInt64s()];
        if (shape.Producer is not { OpType: "Concat" } concat) return known;
        foreach (var part in concat.Inputs)
        {
            var source = part?.Producer is { OpType: "Unsqueeze" } unsqueeze ? unsqueeze.Input(0) : part;
            if (source is not null && ConstantOf(source) is { ElementCount: 1 } scalar) known.Add(scalar.ToInt64s()[0]);
            else known.Add(-1);
        }
        return known;
    }

    private static TensorData? ConstantOf(Value value) =>
        value.Initializer
        ?? (value.Producer is { OpType: "Constant" } constant
            && constant.Attributes.TryGetValue("value", out var attribute) && attribute.Kind == AttributeKind.Tensor
                ? attribute.AsTensor()
                : null);

    private static Value FindBySuffix(Graph graph, string suffix, string modelPath) =>
        graph.Initializers.FirstOrDefault(v => v.Name.EndsWith(suffix, StringComparison.Ordinal))
        ?? throw Unreadable(modelPath, $"no initializer named *{suffix}");

    private static UserInputException Unreadable(string modelPath, string what) =>
        new($"cannot read the architecture of '{modelPath}': {what} (expected a BERT encoder exported from Hugging Face transformers)");

    [GeneratedRegex(@"(?:^|\.)encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndexPattern();
}
