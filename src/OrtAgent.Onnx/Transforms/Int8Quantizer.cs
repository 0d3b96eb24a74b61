namespace OrtAgent.Onnx.Transforms;

/// <summary>
/// Int8 quantization of an inference graph: every MatMul whose right-hand side is a 2-D float weight becomes ONNX
/// Runtime's contrib <c>MatMulNBits</c> with 8-bit weights (one scale per block of K for each output column), whose
/// CPU kernel quantizes the activations per block of each row, so a text's result does not depend on the other texts
/// it is batched with (a batch of another shape rounds floats differently, which an int8 step can enlarge); each embedding table read by Gather is stored int8 with one scale per row and dequantized after the
/// lookup with standard ops. Weights shrink about 4×.
/// </summary>
/// <remarks>
/// The former rewrite, <c>DynamicQuantizeMatMul</c>, quantized the activations with one scale for the whole batch
/// tensor, padding included, which made one text's probabilities depend on the other texts of its batch. The int8 model
/// is a CPU/edge artifact (only ONNX Runtime's CPU provider is verified to run it); keep the fp32 model for GPU serving.
/// </remarks>
public static class Int8Quantizer
{
    private const string ContribDomain = "com.microsoft";

    /// <summary>
    /// MatMulNBits' <c>accuracy_level</c> 4: the CPU kernel quantizes the activations to int8 per block of each row,
    /// so a row's result does not depend on the other rows' values (as one scale for the whole tensor made it), only,
    /// through float rounding, on the batch's shape.
    /// </summary>
    private const long RowBlockInt8 = 4;

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
                    var (values, scales) = QuantizeRows(table);
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
        int k = (int)weight.Dims[0], n = (int)weight.Dims[1];
        int blockSize = BlockSize(k);
        var (blocks, scales) = QuantizeBlocks(weight, blockSize);
        var q = graph.Constant(blocks, weightValue.Name + "_int8");
        var scale = graph.Constant(scales, weightValue.Name + "_scale");
        // No zero points: MatMulNBits then takes 2^(bits-1) = 128, the symmetric code QuantizeBlocks writes.
        var output = graph.Op("MatMulNBits", [matMul.Inputs[0], q, scale], Graph.Attrs(
            ("K", (long)k), ("N", (long)n), ("bits", 8L), ("block_size", (long)blockSize), ("accuracy_level", RowBlockInt8)), ContribDomain);
        RedirectOutput(graph, matMul, output);
    }

    /// <summary>
    /// The block along K that shares one weight scale: 128 where K allows (BERT's 384/768/3072 do), which costs 4 bytes
    /// of scale per 128 weight bytes, else the largest power of two from 16 that divides K (16 with a padded last block).
    /// </summary>
    internal static int BlockSize(int k)
    {
        for (int size = 128; size > 16; size /= 2)
            if (k % size == 0) return size;
        return 16;
    }

    /// <summary>
    /// A <c>[K, N]</c> float weight as MatMulNBits' 8-bit operands: codes <c>[N, ceil(K / block), block]</c> (uint8,
    /// the symmetric value + 128, a padded tail coded 128 = 0) and scales <c>[N, ceil(K / block)]</c>, one per block of
    /// each output column: a column's range varies along K too, so blocks keep more of it than one scale per column.
    /// </summary>
    internal static (TensorData Codes, TensorData Scales) QuantizeBlocks(TensorData weight, int blockSize)
    {
        var w = weight.AsSpan<float>();
        int k = (int)weight.Dims[0], n = (int)weight.Dims[1], blocks = (k + blockSize - 1) / blockSize;
        var codes = new byte[n * blocks * blockSize];
        Array.Fill(codes, (byte)128);
        var scales = new float[n * blocks];
        for (int column = 0; column < n; column++)
            for (int block = 0; block < blocks; block++)
            {
                int first = block * blockSize, end = Math.Min(first + blockSize, k);
                float max = 0;
                for (int row = first; row < end; row++) max = Math.Max(max, Math.Abs(w[row * n + column]));
                float scale = max == 0 ? 1f : max / 127f;
                scales[column * blocks + block] = scale;
                int offset = (column * blocks + block) * blockSize;
                for (int row = first; row < end; row++)
                    codes[offset + row - first] = (byte)(128 + Math.Clamp(MathF.Round(w[row * n + column] / scale), -127, 127));
            }
        return (TensorData.Create<byte>([n, blocks, blockSize], codes), TensorData.Create<float>([n, blocks], scales));
    }

    private static void ReplaceEmbeddingGather(Graph graph, Node gather, Value q, Value rowScales)
    {
        var indices = gather.Inputs[1]!;
        var rows = graph.Cast(graph.Gather(q, indices), ElementType.Float);
        var rowScale = graph.Unsqueeze(graph.Gather(rowScales, indices), -1);
        RedirectOutput(graph, gather, graph.Mul(rows, rowScale));
    }

    private static void RedirectOutput(Graph graph, Node old, Value replacement) => graph.Substitute(old.Outputs[0], replacement);

    /// <summary>Symmetric int8 quantization of a 2-D table with one scale per row.</summary>
    internal static (TensorData Values, float[] Scales) QuantizeRows(TensorData table)
    {
        var w = table.AsSpan<float>();
        int rows = (int)table.Dims[0], cols = (int)table.Dims[1];
        var scales = new float[rows];
        var q = new sbyte[w.Length];
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * cols, cols);
            float max = 0;
            foreach (var x in row) max = Math.Max(max, Math.Abs(x));
            scales[r] = max == 0 ? 1f : max / 127f;
            for (int c = 0; c < cols; c++) q[r * cols + c] = (sbyte)Math.Clamp(MathF.Round(row[c] / scales[r]), -127, 127);
        }
        return (TensorData.Create<sbyte>(table.Dims, q), scales);
    }
}
