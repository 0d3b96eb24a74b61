namespace OrtAgent.Onnx.Transforms;

/// <summary>
/// Dynamic int8 quantization of an inference graph: every MatMul whose right-hand side is a 2-D float weight becomes
/// ONNX Runtime's contrib <c>DynamicQuantizeMatMul</c> (activations quantized per run, weights stored int8 with one
/// scale per output column), and each embedding table read by Gather is stored int8 with one scale per row and
/// dequantized after the lookup with standard ops. Weights shrink about 4×.
/// </summary>
/// <remarks>The contrib op runs on ONNX Runtime's CPU provider only; keep the fp32 model for GPU serving.</remarks>
public static class Int8Quantizer
{
    private const string ContribDomain = "com.microsoft";

    /// <summary>Rewrites <paramref name="graph"/> in place and returns how many weights were quantized.</summary>
    /// <param name="graph">An inference graph.</param>
    /// <param name="embeddings">Also store Gather-read embedding tables as int8.</param>
    /// <param name="minimumElements">Smaller weights stay float: their saving is not worth the error.</param>
    public static int Quantize(Graph graph, bool embeddings = true, long minimumElements = 4096)
    {
        int quantized = 0;
        var consumers = graph.Consumers();
        var tables = new Dictionary<Value, (Value Values, Value Scales)>();
        foreach (var node in graph.Nodes.ToList())
        {
            if (node.Domain.Length != 0) continue;
            if (node.OpType == "MatMul" && node.Inputs[1] is { Initializer: { Type: ElementType.Float, Rank: 2 } weight } b
                && weight.ElementCount >= minimumElements && consumers[b].All(c => c.OpType == "MatMul"))
            {
                ReplaceMatMul(graph, node, b, weight);
                quantized++;
            }
            else if (embeddings && node.OpType == "Gather" && node.IntAttribute("axis", 0) == 0
                && node.Inputs[0] is { Initializer: { Type: ElementType.Float, Rank: 2 } table } t
                && table.ElementCount >= minimumElements && consumers[t].All(c => c.OpType == "Gather"))
            {
                if (!tables.TryGetValue(t, out var q))
                {
                    var (values, scales) = QuantizeSymmetric(table, perRow: true);
                    tables[t] = q = (graph.Constant(values, t.Name + "_int8"), graph.Constant(TensorData.Vector(scales), t.Name + "_scale"));
                    quantized++;
                }
                ReplaceEmbeddingGather(graph, node, q.Values, q.Scales);
            }
        }
        graph.Opsets.TryAdd(ContribDomain, 1);
        graph.RemoveUnused();
        graph.TopologicalSort();
        return quantized;
    }

    private static void ReplaceMatMul(Graph graph, Node matMul, Value weightValue, TensorData weight)
    {
        // Per output column (axis 1) symmetric scales: columns of attention and FFN weights differ in range by 10×.
        var (values, scales) = QuantizeSymmetric(weight, perRow: false);
        var q = graph.Constant(values, weightValue.Name + "_int8");
        var scale = graph.Constant(TensorData.Vector(scales), weightValue.Name + "_scale");
        var zero = graph.Constant(TensorData.Create<sbyte>([scales.Length], new sbyte[scales.Length]), weightValue.Name + "_zero");
        var output = graph.Op("DynamicQuantizeMatMul", [matMul.Inputs[0], q, scale, zero], null, ContribDomain);
        RedirectOutput(graph, matMul, output);
    }

    private static void ReplaceEmbeddingGather(Graph graph, Node gather, Value q, Value rowScales)
    {
        var indices = gather.Inputs[1]!;
        var rows = graph.Cast(graph.Gather(q, indices), ElementType.Float);
        var rowScale = graph.Unsqueeze(graph.Gather(rowScales, indices), -1);
        RedirectOutput(graph, gather, graph.Mul(rows, rowScale));
    }

    private static void RedirectOutput(Graph graph, Node old, Value replacement) => graph.Substitute(old.Outputs[0], replacement);

    /// <summary>Symmetric int8 quantization with one scale per row (axis 0) or per column (axis 1).</summary>
    internal static (TensorData Values, float[] Scales) QuantizeSymmetric(TensorData weight, bool perRow)
    {
        var w = weight.AsSpan<float>();
        int rows = (int)weight.Dims[0], cols = (int)weight.Dims[1];
        var scales = new float[perRow ? rows : cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int k = perRow ? r : c;
                scales[k] = Math.Max(scales[k], Math.Abs(w[r * cols + c]));
            }
        for (int k = 0; k < scales.Length; k++) scales[k] = scales[k] == 0 ? 1f : scales[k] / 127f;
        var q = new sbyte[w.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                q[r * cols + c] = (sbyte)Math.Clamp(MathF.Round(w[r * cols + c] / scales[perRow ? r : c]), -127, 127);
        return (TensorData.Create<sbyte>(weight.Dims, q), scales);
    }
}
