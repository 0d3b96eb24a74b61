using OrtAgent.Onnx;
using OrtAgent.Onnx.Transforms;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Autodiff;

namespace OrtAgent.Training.Export;

/// <summary>
/// Turns an exported classifier (<c>model.onnx</c>, fp32) into its integrated-gradients graph <c>explain.onnx</c>
/// (<see cref="ExplainGraphNames"/>): the word-embedding lookup is replaced by a point on the straight line from the
/// baseline's embeddings to the input's, and <see cref="GradientBuilder"/> appends the gradient of the chosen logit
/// with respect to that point. The result is plain ONNX, so the runtime runs it without the training library.
/// </summary>
public static class ExplainGraphBuilder
{
    /// <summary>
    /// Rewrites <paramref name="model"/> in place into the explain graph and returns it. The weights stay initializers
    /// (constants of the gradient); the metadata (labels, tokenizer settings) is kept. A training artifact's eval model,
    /// whose trainable weights are graph inputs, works too: they stay inputs, and inputs nothing reads any more (labels)
    /// are dropped.
    /// </summary>
    /// <param name="model">An fp32 OrtAgent classifier with inputs <c>input_ids</c>, <c>attention_mask</c> and output <c>logits</c>.</param>
    /// <exception cref="UserInputException">The model is int8-quantized, or has no word-embedding lookup or logits.</exception>
    public static OnnxModel Build(OnnxModel model)
    {
        var g = model.Graph;
        if (IsQuantized(model))
            throw new UserInputException($"the model is int8-quantized: {ExplainGraphNames.Int8NeedsFloat32}; " +
                ExplainGraphUnavailableException.Say(ExplainGraphRemedy.ExportAgainFromCheckpoint, modelDirectory: ""));
        var inputIds = g.Inputs.FirstOrDefault(i => i.Name == ExplainGraphNames.InputIds)
            ?? throw new UserInputException($"the model has no '{ExplainGraphNames.InputIds}' input");
        var logits = g.Outputs.FirstOrDefault(o => o.Name == ModelContract.Logits)
            ?? throw new UserInputException($"the model has no '{ModelContract.Logits}' output");
        int labels = logits.Shape is { Count: 2 } shape && shape[1].Value is long known ? (int)known
            : throw new UserInputException("the model's logits have no known label dimension");

        RaiseToFusedOpset(model);
        // Fused LayerNormalization and Gelu: the backward pass reuses saved statistics and stays a fraction of the size.
        LayerNormalizationFusion.Apply(g);
        GeluFusion.Apply(g);
        g.TopologicalSort();
        var lookup = WordEmbeddingLookup.Find(g, inputIds);
        var table = lookup.Inputs[0]!;
        var embedded = lookup.Outputs[0];
        var readers = g.Consumers().GetValueOrDefault(embedded) ?? [];
        if (readers.Count == 0) throw new UserInputException($"the word-embedding lookup '{lookup.Name}' feeds nothing");

        Dim[] tokens = [Dim.Symbolic("batch"), Dim.Symbolic("sequence")];
        var baselineIds = g.AddInput(ExplainGraphNames.BaselineIds, ElementType.Int64, tokens);
        var alpha = g.AddInput(ExplainGraphNames.Alpha, ElementType.Float, [Dim.Symbolic("batch")]);
        var target = g.AddInput(ExplainGraphNames.Target, ElementType.Int64, [Dim.Symbolic("batch")]);

        var baseline = g.Gather(table, baselineIds);
        var delta = g.Sub(embedded, baseline);
        var point = g.Add(baseline, g.Mul(g.Unsqueeze(alpha, 1, 2), delta));
        point.Type = ElementType.Float;
        point.Shape = [Dim.Symbolic("batch"), Dim.Symbolic("sequence"), embedded.Shape is { Count: 3 } s ? s[2] : Dim.Unknown];
        foreach (var reader in readers)
            for (int i = 0; i < reader.Inputs.Count; i++)
                if (ReferenceEquals(reader.Inputs[i], embedded)) reader.Inputs[i] = point;

        // Rows are independent, so the gradient of the sum of each row's chosen logit is each row's own gradient.
        var classes = g.Constant(TensorData.Vector(Enumerable.Range(0, labels).Select(i => (long)i).ToArray()), "label_indices");
        var chosen = g.Cast(g.Equal(g.Unsqueeze(target, 1), classes), ElementType.Float);
        var objective = g.ReduceSum(g.ReduceSum(g.Mul(logits, chosen), [1], keepDims: false), [0], keepDims: false);

        var gradient = GradientBuilder.Build(g, objective, [point],
            new GradientBuilderOptions { UnreachableParameters = UnreachableParameterPolicy.Throw })[point];
        var gradientTimesDelta = g.ReduceSum(g.Mul(gradient, delta), [2], keepDims: false);

        g.Outputs.Clear();
        g.AddOutput(logits);
        GraphOutputs.Expose(g, gradient, ExplainGraphNames.EmbeddingGradient, ElementType.Float, point.Shape);
        GraphOutputs.Expose(g, gradientTimesDelta, ExplainGraphNames.GradientTimesDelta, ElementType.Float, tokens);
        g.RemoveUnused();
        var read = g.Consumers();
        g.Inputs.RemoveAll(input => !read.ContainsKey(input) && input.Name is not (ExplainGraphNames.InputIds or ExplainGraphNames.AttentionMask));
        g.Name = "ortagent_explain";
        model.Metadata[ExplainGraphNames.WordEmbeddingMetadata] = table.Name;
        model.DocString = "OrtAgent integrated-gradients graph: d logit[target] / d word embedding along a baseline-to-input path";
        return model;
    }

    /// <summary>The opset explain graphs are built at: the first with <c>LayerNormalization</c>, which the fusion writes.</summary>
    private const long FusedOpset = 17;

    /// <summary>
    /// Raises a graph below <see cref="FusedOpset"/> (a Hugging Face model exported by torch at 14) to it, as training
    /// raises a base: <see cref="OpsetUpgrader"/> converts the operators that changed on the way and refuses, naming it,
    /// one it cannot vouch for, so a graph whose meaning might change is refused rather than explained wrongly. Only the
    /// explain graph is raised; <c>model.onnx</c> stays as it is.
    /// </summary>
    /// <exception cref="UserInputException">The graph is older than the upgrader reads, or holds an operator it does not convert.</exception>
    private static void RaiseToFusedOpset(OnnxModel model)
    {
        long opset = model.Graph.OpsetVersion;
        if (opset >= FusedOpset) return;
        if (opset < OpsetUpgrader.MinimumSourceOpset)
            throw new UserInputException($"its graph uses ONNX opset {opset}, and explanations are built at opset {FusedOpset} from graphs of opset "
                + $"{OpsetUpgrader.MinimumSourceOpset} or later, so this model cannot be explained (export it again at opset {OpsetUpgrader.MinimumSourceOpset} or later)");
        try
        {
            OpsetUpgrader.Upgrade(model, FusedOpset);
        }
        catch (NotSupportedException ex)
        {
            throw new UserInputException($"its graph (opset {opset}) cannot be raised to opset {FusedOpset}, which explanations are built at, "
                + $"so this model cannot be explained: {ex.Message}", ex);
        }
    }

    /// <summary>Whether <paramref name="model"/> is int8-quantized: its weights are no longer the fp32 ones a gradient needs.</summary>
    internal static bool IsQuantized(OnnxModel model) =>
        model.Graph.Nodes.Any(n => n.Domain == "com.microsoft" && n.OpType.Contains("Quantize", StringComparison.Ordinal))
        || model.Graph.Initializers.Any(v => v.Initializer!.Type is ElementType.Int8 or ElementType.UInt8);
}
