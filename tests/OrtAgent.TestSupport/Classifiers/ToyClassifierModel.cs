using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// Writes a small but real exported classifier: a word-embedding table over a 45-token vocabulary, mean pooling under the
/// attention mask, a linear layer to the labels, and softmax. ONNX Runtime runs it like any exported model, so the
/// server under test answers with genuine predictions whose labels the tests can know in advance.
/// </summary>
public static class ToyClassifierModel
{
    public static readonly string[] Vocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "the", "a", "was", "is", "it", "this", "really", "very", "and", "i", "we", ".", ",", "!",
        "movie", "film", "book", "plot", "acting", "team", "pizza", "pasta", "match",
        "good", "great", "excellent", "wonderful", "love",
        "bad", "awful", "terrible", "boring", "hate",
        "delicious", "tasty", "football", "goal", "score", "stadium", "cheese",
    ];

    public static readonly string[] PositiveWords = ["good", "great", "excellent", "wonderful"];

    public static readonly string[] NegativeWords = ["bad", "awful", "terrible", "boring"];

    public static readonly string[] Nouns = ["movie", "film", "book", "plot", "acting", "team", "pizza", "pasta"];

    /// <summary>Labels negative/positive; good, great, excellent, wonderful, love push positive, their opposites negative.</summary>
    public static readonly ToyModelSpec Sentiment = new(
        ["negative", "positive"],
        new Dictionary<string, float[]>
        {
            ["good"] = [0, 6], ["great"] = [0, 6], ["excellent"] = [0, 6], ["wonderful"] = [0, 6], ["love"] = [0, 6],
            ["bad"] = [6, 0], ["awful"] = [6, 0], ["terrible"] = [6, 0], ["boring"] = [6, 0], ["hate"] = [6, 0],
        });

    /// <summary>A different model for reload tests: labels food/sports/other, sentiment words count for nothing.</summary>
    public static readonly ToyModelSpec Topic = new(
        ["food", "sports", "other"],
        new Dictionary<string, float[]>
        {
            ["pizza"] = [6, 0, 0], ["pasta"] = [6, 0, 0], ["delicious"] = [6, 0, 0], ["tasty"] = [6, 0, 0], ["cheese"] = [6, 0, 0],
            ["football"] = [0, 6, 0], ["goal"] = [0, 6, 0], ["match"] = [0, 6, 0], ["team"] = [0, 6, 0], ["stadium"] = [0, 6, 0],
            ["movie"] = [0, 0, 6], ["film"] = [0, 0, 6], ["book"] = [0, 0, 6], ["plot"] = [0, 0, 6], ["acting"] = [0, 0, 6],
        });

    /// <summary>Every "the NOUN was ADJECTIVE" sentence with its sentiment label: 64 distinct texts.</summary>
    public static IReadOnlyList<(string Text, string Label)> SentimentSentences() =>
        Nouns.SelectMany(noun =>
                PositiveWords.Select(word => ($"the {noun} was {word}", "positive"))
                    .Concat(NegativeWords.Select(word => ($"the {noun} was {word}", "negative"))))
            .ToArray();

    /// <summary>
    /// Writes <c>model.onnx</c> and <c>vocab.txt</c> into <paramref name="directory"/>. Both are written under temporary
    /// names and renamed into place, as a deployment would replace a served model.
    /// </summary>
    public static void Write(string directory, ToyModelSpec spec)
    {
        Directory.CreateDirectory(directory);
        var vocabPath = Path.Combine(directory, ModelContract.VocabularyFile);
        File.WriteAllLines(vocabPath + ".tmp", Vocabulary);
        File.Move(vocabPath + ".tmp", vocabPath, overwrite: true);
        Build(spec).Save(Path.Combine(directory, ModelContract.ModelFile));
    }

    private static OnnxModel Build(ToyModelSpec spec)
    {
        int labels = spec.Labels.Length;
        var g = new Graph("toy_classifier", opsetVersion: 17);
        Dim[] tokens = [FixedOrSymbolic(spec.BatchSize, "batch"), FixedOrSymbolic(spec.SequenceLength, "sequence")];
        var inputIds = g.AddInput(ModelContract.InputIds, ElementType.Int64, tokens);
        var attentionMask = g.AddInput(ModelContract.AttentionMask, ElementType.Int64, tokens);
        // Declared like a BERT export's; this model gives token types no weight.
        g.AddInput(ModelContract.TokenTypeIds, ElementType.Int64, tokens);

        var table = new float[Vocabulary.Length * labels];
        for (int row = 0; row < Vocabulary.Length; row++)
            if (spec.WordScores.TryGetValue(Vocabulary[row], out var scores))
                scores.CopyTo(table, row * labels);
        var embeddings = g.AddInitializer("embeddings.word", TensorData.Create<float>([Vocabulary.Length, labels], table));
        var embedded = g.Gather(embeddings, inputIds);                                   // [batch, sequence, hidden]
        if (spec.InnerLengthLimit is { } rows)
        {
            var perToken = g.Constant(TensorData.Create<float>([rows, labels], new float[rows * labels]), "per_token");
            var firstRows = g.Slice(perToken, g.Int64s(0), g.Shape(inputIds, 1, 2), g.Int64s(0));
            embedded = g.Add(embedded, firstRows);                                           // [sequence, hidden] broadcast
        }
        var mask = g.Unsqueeze(g.Cast(attentionMask, ElementType.Float), 2);             // [batch, sequence, 1]
        var summed = g.ReduceSum(g.Mul(embedded, mask), [1], keepDims: false);           // [batch, hidden]
        var pooled = g.Div(summed, g.ReduceSum(mask, [1], keepDims: false));             // masked mean

        var weight = new float[labels * labels];
        for (int i = 0; i < labels; i++) weight[i * labels + i] = 1f;
        var classifierWeight = g.AddInitializer("classifier.weight", TensorData.Create<float>([labels, labels], weight));
        var classifierBias = g.AddInitializer("classifier.bias", TensorData.Create<float>([labels], new float[labels]));
        var logits = g.Add(g.MatMul(pooled, classifierWeight), classifierBias);
        var probabilities = g.Softmax(logits, axis: -1);
        Dim[] perLabel = [FixedOrSymbolic(spec.BatchSize, "batch"), Dim.Known(labels)];
        Name(logits, ModelContract.Logits, perLabel);
        Name(probabilities, ModelContract.Probabilities, perLabel);
        g.AddOutput(logits);
        g.AddOutput(probabilities);

        var model = new OnnxModel(g);
        var info = new ClassifierModelInfo(spec.Labels, spec.RecordedMaxLength ?? spec.SequenceLength ?? 32, true, "toy-bag-of-words", "single_label",
            new Dictionary<string, double> { ["accuracy"] = 1.0 });
        foreach (var (key, value) in ModelContract.ToMetadata(info)) model.Metadata[key] = value;
        return model;
    }

    private static Dim FixedOrSymbolic(int? size, string name) => size is { } known ? Dim.Known(known) : Dim.Symbolic(name);

    private static void Name(Value value, string name, Dim[] shape)
    {
        value.Name = name;
        value.Type = ElementType.Float;
        value.Shape = shape;
    }
}
