using OrtAgent.Onnx;
using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Adapters;

/// <summary>
/// Inserts LoRA adapters into an encoder graph whose linear weights carry PyTorch names: every targeted
/// <c>y = x·W</c> becomes <c>y = x·W + (dropout(x)·A)·B·(α/r)</c>, with A and B new initializers named by
/// <see cref="LoraParameterNames"/>. W is left as it is; the caller freezes it, so the gradient builder never
/// computes its gradient.
/// </summary>
internal static class LoraGraph
{
    /// <summary>Adapts every targeted MatMul of <paramref name="g"/>; returns the adapted weights' names in graph order.</summary>
    /// <param name="g">The encoder graph, its linear weights already named (<see cref="Heads.BertEncoderGraph"/>).</param>
    /// <param name="options">Rank, α, dropout and targets.</param>
    /// <param name="training">Whether adapter dropout is live (the eval graph has none).</param>
    /// <param name="seed">Seeds A's initial values and the dropout draws.</param>
    /// <exception cref="UserInputException">No weight of the graph is a target, or the rank is above the smaller side of one (an <see cref="InvalidOptionException"/>).</exception>
    public static IReadOnlyList<string> Attach(Graph g, LoraOptions options, bool training, int seed)
    {
        var targets = g.Nodes
            .Where(n => n.OpType == "MatMul" && n.Input(1) is { Initializer.Rank: 2 } w
                && LoraTargetNames.TargetOfWeight(w.Name) is { } t && options.Targets.HasFlag(t))
            .ToList();
        if (targets.Count == 0)
            throw new UserInputException($"no weight of the base model is a LoRA target ({string.Join(", ", LoraTargetNames.Of(options.Targets))}): "
                + "expected encoder.layer.N.attention.self.query.weight and the like");
        // A·B (A [in, r], B [r, out]) has rank at most min(in, out): a higher r adds parameters and no update it could not
        // make already. Refused, naming the smallest targeted weight, before anything is built.
        var smallest = targets.Select(n => n.Input(1)!).MinBy(w => Math.Min(w.Initializer!.Dims[0], w.Initializer.Dims[1]))!;
        var (rows, columns) = (smallest.Initializer!.Dims[0], smallest.Initializer.Dims[1]);
        if (options.Rank > Math.Min(rows, columns))
            throw new InvalidOptionException(InvalidOptionException.Name<LoraOptions>(nameof(LoraOptions.Rank)), options.Rank,
                $"must be at most {Math.Min(rows, columns)}, the smaller side of the targeted weight {smallest.Name} [{rows}, {columns}]; the update A·B cannot have a higher rank");
        var scale = g.Constant(TensorData.Scalar(options.Scale), "lora_scale");
        float dropoutRatio = options.EffectiveDropout;
        bool dropout = training && dropoutRatio > 0;
        var dropoutConstants = dropout ? InvertedDropout.Constants(g, dropoutRatio, "lora") : default;
        var adapted = new List<string>();
        foreach (var node in targets)
        {
            var (x, weight, y) = (node.Input(0)!, node.Input(1)!, node.Outputs[0]);
            var dims = weight.Initializer!.Dims;
            int index = adapted.Count;
            var a = g.AddInitializer(LoraParameterNames.A(weight.Name), KaimingUniform(dims[0], options.Rank, unchecked(seed * 7919 + index)));
            var b = g.AddInitializer(LoraParameterNames.B(weight.Name), TensorData.Zeros(ElementType.Float, [options.Rank, dims[1]]));
            var input = dropout ? InvertedDropout.Append(g, x, dropoutConstants, unchecked(seed * 104729 + index)) : x;
            var sum = g.Add(y, g.Mul(g.MatMul(g.MatMul(input, a), b), scale));
            g.ReplaceAllUses(y, sum);
            sum.Producer!.Inputs[0] = y; // ReplaceAllUses also rewired the Add's own read of y
            adapted.Add(weight.Name);
        }
        g.TopologicalSort();
        return adapted;
    }

    /// <summary>
    /// PEFT's initialisation of A: <c>kaiming_uniform_(a=√5)</c> over fan-in <paramref name="fanIn"/>, i.e. uniform in
    /// ±1/√fanIn, stored <c>[in, rank]</c>.
    /// </summary>
    internal static TensorData KaimingUniform(long fanIn, int rank, int seed)
    {
        var random = new Random(seed);
        double bound = 1 / Math.Sqrt(fanIn);
        var values = new float[fanIn * rank];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
        return TensorData.Create<float>([fanIn, rank], values);
    }
}
