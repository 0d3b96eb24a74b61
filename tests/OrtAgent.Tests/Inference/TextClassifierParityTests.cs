using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// The runtime classifier against ONNX Runtime used by hand: the same probabilities as one text at a time through a
/// bare <see cref="InferenceSession"/> fed by <see cref="BertTextEncoder"/>, whatever the batching and threading.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class TextClassifierParityTests(TinyClassifierFixture model)
{
    [Fact]
    public void PredictBatchMatchesABareSessionRunOneTextAtATime()
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory, new TextClassifierOptions { MaxBatchSize = 5 });
        var predictions = classifier.PredictBatch(TinyClassifierFixture.Texts);

        var encoder = BertTextEncoder.Create(Path.Combine(model.ModelDirectory, "vocab.txt"), new BertTextEncoderOptions { LowerCase = true, MaxLength = 32 });
        using var session = new InferenceSession(Path.Combine(model.ModelDirectory, "model.onnx"));
        for (int t = 0; t < TinyClassifierFixture.Texts.Length; t++)
        {
            var ids = encoder.Encode(TinyClassifierFixture.Texts[t]).Select(i => (long)i).ToArray();
            long[] shape = [1, ids.Length];
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Length).ToArray(), shape);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
            using var outputs = session.Run(new RunOptions(), ["input_ids", "attention_mask", "token_type_ids"],
                [idsValue, maskValue, typesValue], ["probabilities"]);
            var expected = outputs[0].GetTensorDataAsSpan<float>().ToArray();

            for (int c = 0; c < TinyClassifierFixture.Labels.Length; c++)
                Assert.Equal(expected[c], predictions[t].Probabilities[TinyClassifierFixture.Labels[c]], 1e-6);
            int best = Array.IndexOf(expected, expected.Max());
            Assert.Equal(TinyClassifierFixture.Labels[best], predictions[t].Label);
            Assert.Equal(expected[best], predictions[t].Score, 1e-6);
        }
    }

    [Fact]
    public void TheFixtureModelPredictsMoreThanOneLabel()
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        var labels = classifier.PredictBatch(TinyClassifierFixture.Texts).Select(p => p.Label).Distinct().Count();
        Assert.True(labels >= 2, "the eval tests need a model whose predictions differ between texts");
    }

    [Fact]
    public void ConcurrentCallersFromEightThreadsGetTheSequentialAnswers()
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory, new TextClassifierOptions { MaxBatchSize = 4 });
        var texts = TinyClassifierFixture.Texts;
        var sequential = texts.Select(classifier.Predict).ToArray();

        var concurrent = new Prediction[8][];
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(k => new Thread(() =>
        {
            start.SignalAndWait();
            // Each thread walks the texts from a different place and in batches of a different size.
            var rotated = texts.Skip(k).Concat(texts.Take(k)).ToArray();
            var answers = new Prediction[texts.Length];
            for (int round = 0; round < 5; round++)
            {
                foreach (var chunk in Enumerable.Range(0, rotated.Length).Chunk(1 + k % 3))
                {
                    var predicted = classifier.PredictBatch(chunk.Select(i => rotated[i]).ToArray());
                    for (int j = 0; j < chunk.Length; j++) answers[(chunk[j] + k) % texts.Length] = predicted[j];
                }
            }
            concurrent[k] = answers;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        foreach (var answers in concurrent)
        {
            for (int t = 0; t < texts.Length; t++)
            {
                Assert.Equal(sequential[t].Label, answers[t].Label);
                foreach (var label in TinyClassifierFixture.Labels)
                    Assert.Equal(sequential[t].Probabilities[label], answers[t].Probabilities[label], 1e-6);
            }
        }
    }

    [Fact]
    public void APlainEncoderWithoutOrtAgentMetadataIsAModelLoadError()
    {
        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(model.BaseModelDirectory));
        Assert.Contains("no OrtAgent metadata", error.Message);
    }
}
