using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OrtAgent.Runtime;

/// <summary>
/// Holds a loaded graph to the inputs and outputs <see cref="ModelContract"/> describes, before any text is run: a
/// <c>model.onnx</c> from another tool may be another kind of model (a token classifier) or another export of one (int32
/// token ids, an extra input, float16 scores), and the mistake is the model directory's, so Load names it there.
/// </summary>
internal static class ClassifierSignature
{
    private static readonly string[] FedInputs = [ModelContract.InputIds, ModelContract.AttentionMask, ModelContract.TokenTypeIds];

    /// <exception cref="ModelLoadException">An input or output differs from the contract; the message names it and the file.</exception>
    public static void Require(InferenceSession session, ClassifierModelInfo info, string modelPath)
    {
        foreach (var name in new[] { ModelContract.InputIds, ModelContract.AttentionMask })
            if (!session.InputMetadata.ContainsKey(name))
                throw new ModelLoadException($"{modelPath}: the model has no input '{name}'; its inputs are {string.Join(", ", session.InputMetadata.Keys.Select(k => $"'{k}'"))}");
        foreach (var (name, input) in session.InputMetadata)
        {
            // ONNX Runtime needs a value for every input, and the runtime has none for another.
            if (!FedInputs.Contains(name))
                throw new ModelLoadException($"{modelPath}: the model needs the input '{name}', which the runtime does not feed; "
                    + $"it feeds {ModelContract.InputIds}, {ModelContract.AttentionMask} and {ModelContract.TokenTypeIds}");
            if (!input.IsTensor || input.ElementDataType != TensorElementType.Int64)
                throw new ModelLoadException($"{modelPath}: input '{name}' takes {TypeOf(input)}; the runtime feeds int64 token ids (export it with int64 inputs)");
            // No dimensions is how ONNX Runtime reports a shape the graph leaves unstated: not judged.
            if (input.Dimensions.Length is not (0 or 2))
                throw new ModelLoadException($"{modelPath}: input '{name}' has {input.Dimensions.Length} dimensions; the runtime feeds 2, [batch, sequence]");
        }
        var outputs = new[] { ModelContract.Probabilities, ModelContract.Logits }.Where(session.OutputMetadata.ContainsKey).ToArray();
        if (outputs.Length == 0)
            throw new ModelLoadException(
                $"{modelPath}: the model has neither a '{ModelContract.Probabilities}' nor a '{ModelContract.Logits}' output; its outputs are: {string.Join(", ", session.OutputMetadata.Keys)}");
        foreach (var name in outputs)
        {
            var output = session.OutputMetadata[name];
            if (!output.IsTensor || output.ElementDataType != TensorElementType.Float)
                throw new ModelLoadException($"{modelPath}: output '{name}' is {TypeOf(output)}; the runtime reads float32 scores (export it in float32)");
            // A rank-3 output scores every token: read as [batch, labels] it would answer each text with its first tokens' scores.
            if (output.Dimensions.Length is not (0 or 2))
                throw new ModelLoadException($"{modelPath}: output '{name}' has {output.Dimensions.Length} dimensions"
                    + (output.Dimensions.Length == 3 ? " (batch, sequence, labels: one answer per token, a token classifier's)" : "")
                    + "; a text classifier's has 2, [batch, labels]");
            if (output.Dimensions is [_, > 0 and var width] && width != info.Labels.Count)
                throw new ModelLoadException($"{modelPath}: output '{name}' has {width} columns but {info.Labels.Count} labels are listed");
        }
    }

    private static string TypeOf(NodeMetadata value) => value.IsTensor ? value.ElementDataType.ToString() : $"a {value.OnnxValueType} value, not a tensor";
}
