using OrtAgent.Onnx;

namespace OrtAgent.Tools.ParityBundle;

/// <summary>
/// The bundle stores every linear weight <c>[in, out]</c>. Exporters write <c>nn.Linear</c> on 3-D inputs as MatMul
/// with the weight transposed to <c>[in, out]</c>, but on 2-D inputs (BERT's pooler) as <c>Gemm(transB=1)</c> with the
/// weight left in PyTorch's <c>[out, in]</c>; the checkpoint keeps each as the graph reads it. This finds the second kind
/// so the bundle can transpose them (a square pooler weight would otherwise pass every shape check, transposed).
/// </summary>
internal static class MatMulLayout
{
    /// <summary>Names of parameters that <paramref name="modelPath"/> reads as a Gemm's transposed B input.</summary>
    public static IReadOnlySet<string> TransposedGemmWeights(string modelPath, IEnumerable<string> parameterNames)
    {
        var parameters = parameterNames.ToHashSet(StringComparer.Ordinal);
        var graph = OnnxModel.Load(modelPath).Graph;
        return graph.Nodes
            .Where(node => node.OpType == "Gemm" && node.IntAttribute("transB", 0) == 1)
            .Select(node => node.Input(1)?.Name)
            .OfType<string>()
            .Where(parameters.Contains)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A row-major <c>[rows, columns]</c> matrix as <c>[columns, rows]</c>.</summary>
    public static TensorData Transpose(TensorData matrix)
    {
        if (matrix.Rank != 2 || matrix.Type != ElementType.Float)
            throw new InvalidOperationException($"Only float matrices are transposed here, not {matrix}.");
        int rows = (int)matrix.Dims[0], columns = (int)matrix.Dims[1];
        var source = matrix.AsSpan<float>();
        var result = new float[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                result[c * rows + r] = source[r * columns + c];
        return TensorData.Create<float>([columns, rows], result);
    }
}
