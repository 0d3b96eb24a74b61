using OrtAgent.Onnx.Transforms;

namespace OrtAgent.Onnx.Tests;

public class Int8QuantizerTests
{
    [Fact]
    public void EmbeddingRowsUseOneScalePerRow()
    {
        // Row 0 spans ±2.54, row 1 spans ±0.127: scales 0.02 and 0.001.
        var table = TensorData.Create<float>([2, 2], [2.54f, -1.27f, 0.127f, -0.0635f]);
        var (values, scales) = Int8Quantizer.QuantizeRows(table);
        Assert.Equal(0.02f, scales[0], 6);
        Assert.Equal(0.001f, scales[1], 6);
        Assert.Equal(new sbyte[] { 127, -64, 127, -64 }, values.ToArray<sbyte>());
    }

    [Fact]
    public void MatMulWeightsBecomeBlocksOfEachColumnCodedAround128()
    {
        // W is [K = 3, N = 2]; K = 3 takes the smallest block, 16, its tail coded 128 (zero).
        // Column 0 spans ±2.54 (scale 0.02), column 1 ±0.127 (scale 0.001).
        var w = TensorData.Create<float>([3, 2], [2.54f, 0.127f, -1.27f, -0.0635f, 0f, 0.127f]);
        Assert.Equal(16, Int8Quantizer.BlockSize(3));
        var (codes, scales) = Int8Quantizer.QuantizeBlocks(w, 16);
        Assert.Equal(new long[] { 2, 1, 16 }, codes.Dims);
        Assert.Equal(new long[] { 2, 1 }, scales.Dims);
        Assert.Equal(0.02f, scales.ToArray<float>()[0], 6);
        Assert.Equal(0.001f, scales.ToArray<float>()[1], 6);
        var c = codes.ToArray<byte>();
        Assert.Equal(new byte[] { 255, 64, 128 }, c[..3]);
        Assert.Equal(new byte[] { 255, 64, 255 }, c[16..19]);
        Assert.All(c[3..16].Concat(c[19..]), code => Assert.Equal(128, code));
    }

    [Theory]
    [InlineData(768, 128)]
    [InlineData(3072, 128)]
    [InlineData(384, 128)]
    [InlineData(64, 64)]
    [InlineData(96, 32)]
    [InlineData(48, 16)]
    [InlineData(100, 16)]
    public void BlocksAreAsLargeAsKAllowsUpTo128(int k, int expected) => Assert.Equal(expected, Int8Quantizer.BlockSize(k));

    /// <summary>
    /// Run on ONNX Runtime, the quantized MatMul stays close to the float one (mean error under 5% of the output's RMS,
    /// none over 25%, for 8-bit weights and activations; a block layout read wrongly is off by the output's own size) whether or not K fills its last
    /// block (the padded tail is pinned byte by byte above, never run), and a row's result does not move when the other rows of a
    /// batch of the same shape change.
    /// </summary>
    [Theory]
    [InlineData(100)]   // blocks of 16, the last one 4 short
    [InlineData(130)]   // blocks of 128 and 2
    [InlineData(384)]
    public void AQuantizedMatMulRunsCloseToTheFloatOneAndEachRowAlone(int k)
    {
        const int N = 48;   // K × N above the 4096 elements below which a weight stays float
        float[] weights = Enumerable.Range(0, k * N).Select(i => MathF.Sin(i * 0.37f) * (1 + i % 5)).ToArray();
        float[] Rows(float other) => Enumerable.Range(0, 3 * k).Select(i => i < k ? MathF.Cos(i * 0.11f) : other * MathF.Sin(i * 0.23f)).ToArray();
        OnnxModel Model(bool quantized)
        {
            var g = new Graph();
            var x = g.AddInput("x", ElementType.Float, [Dim.Symbolic("rows"), Dim.Known(k)]);
            g.AddOutput(g.MatMul(x, g.Constant(TensorData.Create<float>([k, N], weights), "w")));
            if (quantized) Assert.Equal(1, Int8Quantizer.Quantize(g));
            return new OnnxModel(g);
        }
        float[] Run(OnnxModel model, float[] rows)
        {
            using var runner = OnnxRunner.FromModel(model);
            return runner.RunFloats(new Dictionary<string, TensorData> { ["x"] = TensorData.Create<float>([3, k], rows) }).Values.Single();
        }

        var (exact, quantized) = (Run(Model(false), Rows(1f)), Run(Model(true), Rows(1f)));
        double rms = Math.Sqrt(exact.Average(v => (double)v * v));
        double meanError = exact.Zip(quantized).Average(pair => Math.Abs(pair.First - pair.Second));
        Assert.True(meanError < 0.05 * rms, $"mean error {meanError} against an rms of {rms}");
        Assert.All(exact.Zip(quantized), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 0.25 * rms, $"{pair.Second} against {pair.First} (rms {rms})"));
        // Row 0 beside quiet rows and beside loud ones: the same bits.
        Assert.Equal(Run(Model(true), Rows(0.01f))[..N], Run(Model(true), Rows(100f))[..N]);
    }

    [Fact]
    public void EveryWeightMatMulBecomesAnEightBitMatMulNBitsWithRowLocalActivations()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [Dim.Symbolic("rows"), Dim.Known(64)]);
        var weight = g.Constant(TensorData.Create<float>([64, 96], Enumerable.Range(0, 64 * 96).Select(i => (i % 17 - 8) / 8f).ToArray()), "w");
        g.AddOutput(g.MatMul(x, weight));

        Assert.Equal(1, Int8Quantizer.Quantize(g));

        var node = Assert.Single(g.Nodes);
        Assert.Equal(("com.microsoft", "MatMulNBits"), (node.Domain, node.OpType));
        Assert.Equal(64, node.IntAttribute("K", 0));
        Assert.Equal(96, node.IntAttribute("N", 0));
        Assert.Equal(8, node.IntAttribute("bits", 0));
        Assert.Equal(64, node.IntAttribute("block_size", 0));
        Assert.Equal(4, node.IntAttribute("accuracy_level", 0));
        Assert.Equal(new long[] { 96, 1, 64 }, node.Inputs[1]!.Initializer!.Dims);
        Assert.Equal(ElementType.UInt8, node.Inputs[1]!.Initializer!.Type);
    }
}
