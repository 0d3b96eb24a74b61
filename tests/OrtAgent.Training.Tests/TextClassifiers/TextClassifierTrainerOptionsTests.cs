using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// The facade's options beyond the basics, each mapped onto what <c>ortagent train</c> does with it, on a tiny BERT:
/// the effect is seen in the export or the artifacts, a bad value is refused naming the option before anything is
/// written, and a resumed call keeps what the run was built with.
/// </summary>
public sealed class TextClassifierTrainerOptionsTests : IDisposable
{
    private readonly TempDirectory _root = new("text-classifier-trainer-options");
    private readonly string _base;

    public TextClassifierTrainerOptionsTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TextClassifierTrainingOptions Options(string name, TrainingMethod method = TrainingMethod.Auto) =>
        TextClassifierTrainerTests.Options(_base, _root, name, method);

    private static LabeledExample[] Reviews(int perLabel, int seed) => TextClassifierTrainerTests.Reviews(perLabel, seed);

    private void AssertNothingWritten()
    {
        Assert.False(Directory.Exists(_root.Combine("artifacts")), "the artifacts root was created");
        Assert.False(Directory.Exists(_root.Combine("models")), "the output root was created");
    }

    [Fact]
    public void QuantizeInt8ExportsInt8WeightsThatTheRuntimeLoads()
    {
        var result = TextClassifierTrainer.Train(Options("int8", TrainingMethod.Contrastive) with { QuantizeInt8 = true }, Reviews(10, 1));

        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Equal(ModelWeights.Int8, classifier.Info.Weights);
        Assert.Contains(Onnx.OnnxModel.Load(Path.Combine(result.OutputDirectory, ModelContract.ModelFile)).Graph.Initializers, v => v.Name.EndsWith("_int8", StringComparison.Ordinal));
        Assert.Contains(classifier.Predict("the food was great").Label, result.Labels);
        // The checkpoint keeps fp32 weights: nothing quantized is trained on or resumed from.
        Assert.DoesNotContain(TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.TrainableParameters, name => name.EndsWith("_int8", StringComparison.Ordinal));
    }
}
