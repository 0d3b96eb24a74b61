using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Distillation;

/// <summary>
/// The teacher's session runs over a whole data set, and ONNX Runtime maps external data files: a teacher whose
/// model.onnx.data was written over in place (a re-export into its folder) gave other logits half-way through a
/// distillation, and one cut short killed the run with SIGBUS. It reads from a private copy, as TextClassifier does.
/// </summary>
public sealed class TeacherSessionTests : IDisposable
{
    private readonly TempDirectory _root = new("teacher-session");
    private readonly string _teacher;

    public TeacherSessionTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
        _teacher = _root.Combine("teacher");
        ModelExporter.Export(artifacts, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false }, _teacher);
        var modelPath = Path.Combine(_teacher, ModelContract.ModelFile);
        OnnxModel.Load(modelPath).Save(modelPath, new ModelSaveOptions { ExternalData = true, ExternalDataThresholdBytes = 128 });
    }

    public void Dispose() => _root.Dispose();

    [UnixFact("Windows refuses a write to a file that a loaded model maps")]
    public void TheTeachersLogitsStayTheSameWhenItsWeightsAreWrittenOverInPlace()
    {
        var teacher = TeacherModel.Open(_teacher);
        var dataPath = teacher.ModelPath + ".data";
        using var session = TeacherLogits.OpenSession(teacher, new OrtSessionSettings());
        var before = Logits(session);

        using (var data = new FileStream(dataPath, FileMode.Open, FileAccess.Write))
            data.Write(new byte[data.Length]);

        Assert.Equal(before, Logits(session));
    }

    private static float[] Logits(InferenceSession session)
    {
        long[] ids = [2, 5, 6, 7, 3];
        var shape = new[] { 1, ids.Length };
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(ModelContract.InputIds, new DenseTensor<long>(ids, shape)),
            NamedOnnxValue.CreateFromTensor(ModelContract.AttentionMask, new DenseTensor<long>(Enumerable.Repeat(1L, ids.Length).ToArray(), shape)),
        };
        if (session.InputMetadata.ContainsKey(ModelContract.TokenTypeIds))
            inputs.Add(NamedOnnxValue.CreateFromTensor(ModelContract.TokenTypeIds, new DenseTensor<long>(new long[ids.Length], shape)));
        using var results = session.Run(inputs);
        return results.First(r => r.Name == ModelContract.Logits).AsEnumerable<float>().ToArray();
    }
}
