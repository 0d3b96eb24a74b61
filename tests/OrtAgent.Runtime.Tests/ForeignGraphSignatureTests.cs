using System.Text.Json.Nodes;
using OrtAgent.Onnx;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A <c>model.onnx</c> from another tool, beside a Hugging Face <c>config.json</c>, that is no sequence classifier of
/// the contract's shape: a token classifier (<c>logits [batch, sequence, labels]</c>), int32 token ids (tf2onnx's
/// default), an input the runtime does not feed (<c>position_ids</c>), or float16 logits. Load refuses each, naming the
/// file, the input or output and what the contract needs. Before, each loaded; the token classifier then answered
/// every text with a made-up prediction, and the others failed at every Predict inside ONNX Runtime.
/// </summary>
public sealed class ForeignGraphSignatureTests : IDisposable
{
    private readonly TempDirectory _directory = new("foreign-graph");

    public void Dispose() => _directory.Dispose();

    private string ModelPath => _directory.Combine(ModelContract.ModelFile);

    [Fact]
    public void ATokenClassifierIsRefusedNamingItsLogitsRank()
    {
        Write(new ForeignGraph { LogitsPerToken = true });

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{ModelPath}: output 'logits' has 3 dimensions (batch, sequence, labels: one answer per token, a token classifier's); "
            + "a text classifier's has 2, [batch, labels]", refused.Message);
    }

    [Fact]
    public void Int32TokenIdsAreRefusedNamingTheInputAndItsType()
    {
        Write(new ForeignGraph { InputIdsType = ElementType.Int32 });

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{ModelPath}: input 'input_ids' takes Int32; the runtime feeds int64 token ids (export it with int64 inputs)", refused.Message);
    }

    [Fact]
    public void AnInputTheRuntimeDoesNotFeedIsRefusedNamingIt()
    {
        Write(new ForeignGraph { ExtraInput = "position_ids" });

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{ModelPath}: the model needs the input 'position_ids', which the runtime does not feed; it feeds input_ids, attention_mask and token_type_ids",
            refused.Message);
    }

    [Fact]
    public void Float16LogitsAreRefusedNamingTheOutputAndItsType()
    {
        Write(new ForeignGraph { LogitsType = ElementType.Float16 });

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{ModelPath}: output 'logits' is Float16; the runtime reads float32 scores (export it in float32)", refused.Message);
    }

    /// <summary>tf2onnx names inputs <c>input_ids:0</c>: the refusal lists the model's inputs, which is where the mistake shows.</summary>
    [Fact]
    public void AMissingInputIsRefusedListingTheInputsTheModelHas()
    {
        Write(new ForeignGraph { InputIdsName = "input_ids:0" });

        var refused = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{ModelPath}: the model has no input 'input_ids'; its inputs are 'input_ids:0', 'attention_mask'", refused.Message);
    }

    /// <summary>
    /// A graph that states no shapes (ONNX Runtime reports no dimensions) is not judged on them and loads as before the
    /// check; with "[batch, sequence]" required it would have been refused as having 0 dimensions.
    /// </summary>
    [Fact]
    public void AGraphThatStatesNoShapesLoadsAndClassifies()
    {
        Write(new ForeignGraph { Unshaped = true });

        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal("positive", classifier.Predict("the movie was great").Label);
    }

    /// <summary>The graph these variants start from classifies as the toy model does: the check refuses only what differs.</summary>
    [Fact]
    public void TheContractsShapeLoadsAndClassifies()
    {
        Write(new ForeignGraph());

        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal("positive", classifier.Predict("the movie was great").Label);
        Assert.Equal("negative", classifier.Predict("the movie was awful").Label);
    }

    private sealed record ForeignGraph
    {
        public ElementType InputIdsType { get; init; } = ElementType.Int64;
        public string? ExtraInput { get; init; }
        public bool LogitsPerToken { get; init; }
        public ElementType LogitsType { get; init; } = ElementType.Float;
        public string InputIdsName { get; init; } = ModelContract.InputIds;
        public bool Unshaped { get; init; }
    }

    /// <summary>
    /// A bag-of-words classifier over the toy vocabulary, in the Hugging Face layout (no OrtAgent metadata), with the
    /// <c>vocab_size</c> every transformers config records, so that Load runs nothing through the model.
    /// </summary>
    private void Write(ForeignGraph spec)
    {
        var labels = ToyClassifierModel.Sentiment.Labels;
        var g = new Graph("foreign", opsetVersion: 17);
        Dim[]? tokens = spec.Unshaped ? null : [Dim.Symbolic("batch"), Dim.Symbolic("sequence")];
        var inputIds = g.AddInput(spec.InputIdsName, spec.InputIdsType, tokens);
        var attentionMask = g.AddInput(ModelContract.AttentionMask, ElementType.Int64, tokens);
        var table = new float[ToyClassifierModel.Vocabulary.Length * labels.Length];
        for (int row = 0; row < ToyClassifierModel.Vocabulary.Length; row++)
            if (ToyClassifierModel.Sentiment.WordScores.TryGetValue(ToyClassifierModel.Vocabulary[row], out var scores))
                scores.CopyTo(table, row * labels.Length);
        var embeddings = g.AddInitializer("embeddings.word", TensorData.Create<float>([ToyClassifierModel.Vocabulary.Length, labels.Length], table));
        var embedded = g.Gather(embeddings, inputIds);                                   // [batch, sequence, labels]
        var mask = g.Unsqueeze(g.Cast(attentionMask, ElementType.Float), 2);             // [batch, sequence, 1]
        Value logits;
        Dim[] shape;
        if (spec.LogitsPerToken)
        {
            logits = g.Mul(embedded, mask);
            shape = [Dim.Symbolic("batch"), Dim.Symbolic("sequence"), Dim.Known(labels.Length)];
        }
        else
        {
            logits = g.ReduceSum(g.Mul(embedded, mask), [1], keepDims: false);            // [batch, labels]
            shape = [Dim.Symbolic("batch"), Dim.Known(labels.Length)];
        }
        if (spec.ExtraInput is { } extra)
        {
            var positions = g.AddInput(extra, ElementType.Int64, tokens);
            var zero = g.Constant(TensorData.Scalar(0f));
            logits = g.Add(logits, g.Mul(g.ReduceSum(g.Cast(positions, ElementType.Float), [1], keepDims: true), zero));
        }
        if (spec.LogitsType != ElementType.Float) logits = g.Cast(logits, spec.LogitsType);
        logits.Name = ModelContract.Logits;
        logits.Type = spec.LogitsType;
        logits.Shape = spec.Unshaped ? null : shape;
        g.AddOutput(logits);
        new OnnxModel(g).Save(ModelPath);

        File.WriteAllLines(_directory.Combine(ModelContract.VocabularyFile), ToyClassifierModel.Vocabulary);
        var id2label = new JsonObject();
        for (int i = 0; i < labels.Length; i++) id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = labels[i];
        File.WriteAllText(_directory.Combine(ModelContract.ConfigFile), new JsonObject { ["id2label"] = id2label, ["vocab_size"] = ToyClassifierModel.Vocabulary.Length }.ToJsonString());
        File.WriteAllText(_directory.Combine(ModelContract.TokenizerConfigFile), """{"do_lower_case": true, "model_max_length": 32}""");
    }
}
