using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Encoders;

namespace OrtAgent.TestSupport;

/// <summary>
/// Writes an OrtAgent export over a tiny BERT encoder (<see cref="TinyBertBuilder"/>): a zero linear head over the mean
/// token state (labels negative and positive) and metadata recording whatever max length the test gives, so that a
/// record longer than the position table (<see cref="TinyBertOptions.MaxPositions"/> rows) can be written.
/// </summary>
public static class TinyBertClassifier
{
    /// <summary>Writes <c>model.onnx</c> and <c>vocab.txt</c> into <paramref name="directory"/>.</summary>
    public static void Write(string directory, int recordedMaxLength, TinyBertOptions options)
    {
        var g = TinyBertBuilder.Build(options);
        var hidden = g.Outputs.Single();
        g.Outputs.Clear();
        var logits = g.MatMul(g.ReduceMean(hidden, [1], keepDims: false), g.Constant(TensorData.Create<float>([options.Hidden, 2], new float[options.Hidden * 2])));
        logits.Name = ModelContract.Logits;
        logits.Type = ElementType.Float;
        logits.Shape = [Dim.Symbolic("batch"), Dim.Known(2)];
        g.AddOutput(logits);
        var model = new OnnxModel(g);
        var info = new ClassifierModelInfo(["negative", "positive"], recordedMaxLength, true, "tiny-bert", ModelContract.SingleLabel, new Dictionary<string, double>());
        foreach (var (key, value) in ModelContract.ToMetadata(info)) model.Metadata[key] = value;
        Directory.CreateDirectory(directory);
        model.Save(Path.Combine(directory, ModelContract.ModelFile));
        File.WriteAllLines(Path.Combine(directory, ModelContract.VocabularyFile), TinyVocabulary.Tokens(options.VocabSize));
    }

    /// <summary>Rewrites the max length the OrtAgent export in <paramref name="directory"/> records, as a hand-edited or mismatched export would.</summary>
    public static void RecordMaxLength(string directory, int maxLength)
    {
        var path = Path.Combine(directory, ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        model.Metadata[ModelContract.MaxLengthKey] = maxLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
        model.Save(path);
    }
}
