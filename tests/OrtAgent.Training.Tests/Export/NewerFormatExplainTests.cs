using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

/// <summary>
/// <c>export --explain --model DIR</c> refuses a model a newer OrtAgent exported before it writes anything: it built
/// <c>explain.onnx</c> from a graph this build may read wrongly and wrote it into the newer model's directory, where the
/// README says such a model is refused first.
/// </summary>
public sealed class NewerFormatExplainTests : IDisposable
{
    private readonly TempDirectory _root = new("newer-format-explain");

    public void Dispose() => _root.Dispose();

    [Fact]
    public void AddingAnExplainGraphToANewerFormatModelIsRefusedAndWritesNothing()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
        var directory = _root.Combine("model");
        ModelExporter.Export(artifacts, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false }, directory);
        var modelPath = Path.Combine(directory, ModelContract.ModelFile);
        var model = OnnxModel.Load(modelPath);
        model.Metadata[ModelContract.FormatKey] = "99";
        model.Save(modelPath);
        var before = Directory.GetFiles(directory).Order().ToArray();

        var error = Assert.Throws<ModelLoadException>(() => ModelExporter.AddExplainGraph(directory));

        Assert.Equal($"{modelPath}: 'ortagent.format' is '99', a model format newer than this OrtAgent reads ({ModelContract.CurrentFormat}): "
            + "use the newer OrtAgent that exported it, or train the model again with this one", error.Message);
        Assert.Equal(before, Directory.GetFiles(directory).Order().ToArray());
    }
}
