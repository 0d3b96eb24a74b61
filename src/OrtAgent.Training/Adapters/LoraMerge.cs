using OrtAgent.Onnx;

namespace OrtAgent.Training.Adapters;

/// <summary>
/// Folds trained adapters into their base weights, W' = W + A·B·(α/r), so that the exported model is a plain encoder
/// with the usual contract: nothing downstream (int8, serving, explanations) knows LoRA was used.
/// </summary>
public static class LoraMerge
{
    /// <summary>The merged weight of one adapted <paramref name="weight"/> <c>[in, out]</c>, computed in double and rounded once.</summary>
    /// <exception cref="ArgumentException">The shapes do not chain: A must be <c>[in, r]</c> and B <c>[r, out]</c>.</exception>
    public static TensorData Merge(TensorData weight, TensorData a, TensorData b, float scale)
    {
        long inputs = weight.Dims[0], outputs = weight.Dims[1], rank = a.Dims[1];
        if (a.Dims[0] != inputs || b.Dims[0] != rank || b.Dims[1] != outputs)
            throw new ArgumentException($"Adapter shapes {a} and {b} do not fit weight {weight}.");
        var w = weight.AsSpan<float>();
        var av = a.AsSpan<float>();
        var bv = b.AsSpan<float>();
        var merged = new float[w.Length];
        for (long i = 0; i < inputs; i++)
        {
            for (long o = 0; o < outputs; o++)
            {
                double delta = 0;
                for (long k = 0; k < rank; k++) delta += (double)av[(int)(i * rank + k)] * bv[(int)(k * outputs + o)];
                merged[i * outputs + o] = (float)(w[(int)(i * outputs + o)] + delta * scale);
            }
        }
        return TensorData.Create<float>(weight.Dims, merged);
    }

    /// <summary>
    /// Replaces, in <paramref name="g"/>, each weight of <paramref name="lora"/> by its merged value, reading the
    /// adapters from <paramref name="tensors"/>.
    /// </summary>
    /// <exception cref="UserInputException">An adapter or an adapted weight is missing.</exception>
    public static void Apply(Graph g, LoraProperties lora, IReadOnlyDictionary<string, TensorData> tensors)
    {
        var initializers = g.Initializers.ToDictionary(v => v.Name, StringComparer.Ordinal);
        foreach (var name in lora.AdaptedWeights)
        {
            if (!initializers.TryGetValue(name, out var weight))
                throw new UserInputException($"the base model has no weight '{name}' to merge a LoRA adapter into");
            if (!tensors.TryGetValue(LoraParameterNames.A(name), out var a) || !tensors.TryGetValue(LoraParameterNames.B(name), out var b))
                throw new UserInputException($"the checkpoint has no LoRA adapter for '{name}'");
            weight.Initializer = Merge(weight.Initializer!, a, b, lora.Scale);
        }
    }
}
