using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Data;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// A null argument to a public entry point is an <see cref="ArgumentNullException"/> naming it, at the call: each of
/// these was a NullReferenceException from inside the library, some only after training steps, and a null session was
/// accepted by the FineTuner's constructor.
/// </summary>
public sealed class NullArgumentTests : IDisposable
{
    private readonly TempDirectory _root = new("null-arguments");
    private readonly TrainingArtifacts _artifacts;

    public NullArgumentTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("artifacts"));
    }

    public void Dispose() => _root.Dispose();

    private static void AssertNull(string parameter, Action call) => Assert.Equal(parameter, Assert.Throws<ArgumentNullException>(call).ParamName);

    [Fact]
    public void TheTrainingEntryPointsNameTheirNullArgument()
    {
        AssertNull("options", () => TrainingArtifacts.Generate(null!, _root.Combine("other")));
        AssertNull("artifacts", () => TrainingSession.Create(null!, new OrtSessionSettings()));
        AssertNull("settings", () => TrainingSession.Create(_artifacts, null!));

        using var session = TrainingSession.Create(_artifacts, new OrtSessionSettings());
        var observer = new RecordingObserver();
        AssertNull("session", () => new FineTuner(null!, new FineTuningOptions(), ["no", "yes"], 0, observer));
        AssertNull("options", () => new FineTuner(session, null!, ["no", "yes"], 0, observer));
        var tuner = new FineTuner(session, new FineTuningOptions { MinimumSteps = 0 }, ["no", "yes"], 0, observer);
        AssertNull("train", () => tuner.Run(null!, FineTunerTests.Synthetic(8, 2), null, default));
        AssertNull("validation", () => tuner.Run(FineTunerTests.Synthetic(16, 1), null!, null, default));
        Assert.Empty(observer.Steps);
    }

    [Fact]
    public void TokenizingAndExportingNameTheirNullArgument()
    {
        var encoder = BertTextEncoder.Create(Path.Combine(_artifacts.Directory, ModelContract.VocabularyFile), new BertTextEncoderOptions());
        AssertNull("examples", () => TokenizedDataset.Build(null!, encoder));
        AssertNull("encoder", () => TokenizedDataset.Build([("good", 1)], null!));

        var parameters = SafeTensorsReader.Read(_artifacts.ModelCheckpointPath).Tensors.ToList();
        AssertNull("options", () => ModelExporter.Export(_artifacts, parameters, null!, _root.Combine("model")));
        Assert.False(Directory.Exists(_root.Combine("model")));
    }
}
