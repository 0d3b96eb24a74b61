using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Encoders;

/// <summary>
/// Builds a small BERT encoder shaped like the exported sentence-transformers graphs (minilm): Gather embeddings,
/// decomposed LayerNorm, attention with run-time reshapes and an additive (1 - mask) * -10000 mask, erf-GELU, with
/// HF BERT initializer names and MatMul weights stored [in, out]. Inputs input_ids, attention_mask and
/// token_type_ids (int64 [batch, sequence]); output last_hidden_state (float [batch, sequence, hidden]).
/// Weights follow BERT's initialization (normal, std 0.02) from a seed; LayerNorm weights are 1 and biases small
/// random values so that tests see them.
/// </summary>
public static class TinyBertBuilder
{
    /// <summary>Builds the encoder graph.</summary>
    public static Graph Build(TinyBertOptions? options = null)
    {
        var o = options ?? new TinyBertOptions();
        o.Validate();
        var g = new Graph("tiny_bert", o.Opset);
        var weights = new WeightFactory(g, o.Seed);
        Dim[] tokens = [Dim.Symbolic("batch"), Dim.Symbolic("sequence")];
        var ids = g.AddInput(ModelContract.InputIds, ElementType.Int64, tokens);
        var mask = g.AddInput(ModelContract.AttentionMask, ElementType.Int64, tokens);
        var types = g.AddInput(ModelContract.TokenTypeIds, ElementType.Int64, tokens);

        var word = weights.Normal("embeddings.word_embeddings.weight", o.VocabSize, o.Hidden);
        var position = weights.Normal("embeddings.position_embeddings.weight", o.MaxPositions, o.Hidden);
        var tokenType = weights.Normal("embeddings.token_type_embeddings.weight", o.TypeVocabSize, o.Hidden);
        var positionIds = g.AddInitializer("embeddings.position_ids",
            TensorData.Create<long>([1, o.MaxPositions], Enumerable.Range(0, o.MaxPositions).Select(i => (long)i).ToArray()));

        var idsShape = g.Shape(ids);
        var batch = g.Unsqueeze(g.Gather(idsShape, g.Constant(TensorData.Scalar(0L))), 0);
        var sequence = g.Unsqueeze(g.Gather(idsShape, g.Constant(TensorData.Scalar(1L))), 0);
        var positions = g.Slice(positionIds, g.Int64s(0), sequence, g.Int64s(1));
        var embedded = g.Add(g.Add(g.Gather(word, ids), g.Gather(tokenType, types)), g.Gather(position, positions));
        var x = LayerNorm(g, weights, embedded, "embeddings.LayerNorm", o);

        // (1 - mask) * -10000, shaped [batch, 1, 1, sequence] to broadcast over heads and query positions.
        var maskFloat = g.Cast(g.Unsqueeze(mask, 1, 2), ElementType.Float);
        var extendedMask = g.Mul(g.Sub(Scalar(g, 1f), maskFloat), Scalar(g, -10000f));

        int headDim = o.Hidden / o.Heads;
        var headsShape = g.Concat(0, batch, sequence, g.Int64s(o.Heads), g.Int64s(headDim));
        var hiddenShape = g.Concat(0, batch, sequence, g.Int64s(o.Hidden));
        for (int layer = 0; layer < o.Layers; layer++)
        {
            string p = $"encoder.layer.{layer}.";
            Value Heads(Value v, params long[] perm) => g.Transpose(g.Reshape(v, headsShape), perm);
            var q = Heads(Linear(g, weights, x, p + "attention.self.query", o.Hidden, o.Hidden), 0, 2, 1, 3);
            var kT = Heads(Linear(g, weights, x, p + "attention.self.key", o.Hidden, o.Hidden), 0, 2, 3, 1);
            var v = Heads(Linear(g, weights, x, p + "attention.self.value", o.Hidden, o.Hidden), 0, 2, 1, 3);
            var scores = g.Add(g.Div(g.MatMul(q, kT), Scalar(g, MathF.Sqrt(headDim))), extendedMask);
            var context = g.MatMul(g.Softmax(scores, -1), v);
            var merged = g.Reshape(g.Transpose(context, 0, 2, 1, 3), hiddenShape);
            var attention = Linear(g, weights, merged, p + "attention.output.dense", o.Hidden, o.Hidden);
            var x1 = LayerNorm(g, weights, g.Add(attention, x), p + "attention.output.LayerNorm", o);
            var inner = Linear(g, weights, x1, p + "intermediate.dense", o.Hidden, o.Intermediate);
            var gelu = g.Mul(g.Mul(inner, Scalar(g, 0.5f)), g.Add(g.Erf(g.Div(inner, Scalar(g, MathF.Sqrt(2f)))), Scalar(g, 1f)));
            var output = Linear(g, weights, gelu, p + "output.dense", o.Intermediate, o.Hidden);
            x = LayerNorm(g, weights, g.Add(output, x1), p + "output.LayerNorm", o);
        }
        var last = g.Identity(x);
        last.Name = ModelContract.LastHiddenState;
        last.Type = ElementType.Float;
        last.Shape = [tokens[0], tokens[1], Dim.Known(o.Hidden)];
        g.AddOutput(last);
        return g;
    }

    /// <summary>
    /// Writes a base-model directory other components load like a packaged one: <c>model.onnx</c> and a
    /// <c>vocab.txt</c> of exactly <see cref="TinyBertOptions.VocabSize"/> WordPiece entries ([PAD] [UNK] [CLS] [SEP] [MASK] first).
    /// </summary>
    public static void WriteBaseModel(string directory, TinyBertOptions? options = null)
    {
        var o = options ?? new TinyBertOptions();
        var graph = Build(o);
        Directory.CreateDirectory(directory);
        new OnnxModel(graph).Save(Path.Combine(directory, ModelContract.ModelFile));
        File.WriteAllLines(Path.Combine(directory, ModelContract.VocabularyFile), TinyVocabulary.Tokens(o.VocabSize));
    }

    /// <summary>
    /// <see cref="WriteBaseModel"/> with half of the first weight matrix NaN: any text's loss is NaN at the first step,
    /// as a run that diverged or a damaged base gives it.
    /// </summary>
    public static void WriteBaseModelWithNaNWeights(string directory)
    {
        WriteBaseModel(directory);
        var path = Path.Combine(directory, ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        var matrix = model.Graph.Initializers.First(v => v.Initializer!.Type == ElementType.Float && v.Initializer.Rank == 2);
        var weights = matrix.Initializer!.ToArray<float>();
        Array.Fill(weights, float.NaN, 0, weights.Length / 2);
        matrix.Initializer = TensorData.Create<float>(matrix.Initializer.Dims, weights);
        model.Save(path);
    }

    /// <summary>
    /// <see cref="WriteBaseModel"/> with the last LayerNorm's weight and bias 0, so that every text's embedding is the
    /// zero vector: the loss is finite, but where the embedding is L2-normalised (contrastive training, or a head with
    /// <c>NormalizeEmbeddings</c>) the gradient of its length, sqrt's 0.5/0 times 0, is NaN, and so is every encoder
    /// weight's gradient.
    /// </summary>
    public static void WriteBaseModelWithZeroEmbeddings(string directory, TinyBertOptions? options = null)
    {
        var o = options ?? new TinyBertOptions();
        WriteBaseModel(directory, o);
        var path = Path.Combine(directory, ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        string last = $"encoder.layer.{o.Layers - 1}.output.LayerNorm.";
        foreach (var value in model.Graph.Initializers.Where(v => v.Name.StartsWith(last, StringComparison.Ordinal)))
            value.Initializer = TensorData.Create<float>(value.Initializer!.Dims, new float[o.Hidden]);
        model.Save(path);
    }

    private static Value Scalar(Graph g, float value) => g.Constant(TensorData.Scalar(value), "scalar");

    private static Value Linear(Graph g, WeightFactory weights, Value x, string name, int inputs, int outputs) =>
        g.Add(g.MatMul(x, weights.Normal(name + ".weight", inputs, outputs)), weights.Normal(name + ".bias", outputs));

    // The exported form: mean, centre, mean of squares, sqrt(var + eps), divide, scale, shift.
    private static Value LayerNorm(Graph g, WeightFactory weights, Value x, string name, TinyBertOptions o)
    {
        var scale = weights.Ones(name + ".weight", o.Hidden);
        var bias = weights.Normal(name + ".bias", o.Hidden);
        var centered = g.Sub(x, g.ReduceMean(x, [-1]));
        var variance = g.ReduceMean(g.Pow(centered, Scalar(g, 2f)), [-1]);
        var normalized = g.Div(centered, g.Sqrt(g.Add(variance, Scalar(g, o.LayerNormEpsilon))));
        return g.Add(g.Mul(normalized, scale), bias);
    }

    /// <summary>Seeded BERT-style initial weights (Box-Muller normals), added as named initializers.</summary>
    private sealed class WeightFactory(Graph graph, int seed)
    {
        private const float Std = 0.02f;
        private readonly Random _random = new(seed);

        public Value Normal(string name, params int[] dims)
        {
            var values = new float[dims.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++)
            {
                double u1 = 1 - _random.NextDouble(), u2 = _random.NextDouble();
                values[i] = (float)(Std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
            return graph.AddInitializer(name, TensorData.Create<float>(dims.Select(d => (long)d), values));
        }

        public Value Ones(string name, int size) =>
            graph.AddInitializer(name, TensorData.Create<float>([size], Enumerable.Repeat(1f, size).ToArray()));
    }
}
