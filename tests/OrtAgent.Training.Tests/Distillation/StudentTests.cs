using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Data;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Distillation;

/// <summary>
/// A 4-layer tiny BERT teacher fine-tuned on "token 10 occurs", exported, read back as a teacher and cut into students:
/// the cut encoder computes what a 2-layer BERT with the kept layers' weights computes, and a distilled student trains,
/// exports and runs with 2 layers.
/// </summary>
public sealed class StudentTests : IDisposable
{
    private static readonly string[] Labels = ["no", "yes"];
    private readonly TempDirectory _root = new("distill");

    public void Dispose() => _root.Dispose();

    private static TokenizedDataset Synthetic(int count, int seed) => FineTunerTests.Synthetic(count, seed);

    private static FineTuningOptions Options(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 8, LearningRate = 5e-3, WarmupRatio = 0.1, Patience = 0, Seed = 11, Metric = ValidationMetric.Accuracy,
        MinimumSteps = 0,
    };

    /// <summary>Fine-tunes a 4-layer teacher with <paramref name="pooling"/> and exports it; <paramref name="epochs"/> 0 exports the initial weights.</summary>
    private string Teacher(string name, PoolingMode pooling = PoolingMode.Mean, int epochs = 4, bool int8 = false)
    {
        var baseDirectory = _root.Combine(name + "-base");
        TinyBertBuilder.WriteBaseModel(baseDirectory, new TinyBertOptions { Layers = 4, Seed = 5 });
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseDirectory, Labels = Labels, Seed = 3, Pooling = pooling },
            _root.Combine(name + "-artifacts"));
        IReadOnlyList<KeyValuePair<string, TensorData>> parameters = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors;
        if (epochs > 0)
        {
            using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
            parameters = new FineTuner(session, Options(epochs), Labels, 0, new RecordingObserver()).Run(Synthetic(96, 1), Synthetic(32, 2), null, default).BestParameters;
        }
        var output = _root.Combine(name);
        ModelExporter.Export(artifacts, parameters, new ExportOptions { MaxLength = 16, BaseModelName = "tiny", QuantizeInt8 = int8, WriteExplainGraph = false }, output);
        return output;
    }

    private static Dictionary<string, TensorData> Feeds(TokenizedDataset data, int count)
    {
        var batch = TrainingBatch.Collate(data, Enumerable.Range(0, count).ToArray(), 0).Inputs;
        return new()
        {
            [ModelContract.InputIds] = TensorData.Create<long>(batch.Shape, batch.InputIds),
            [ModelContract.AttentionMask] = TensorData.Create<long>(batch.Shape, batch.AttentionMask),
            [ModelContract.TokenTypeIds] = TensorData.Create<long>(batch.Shape, batch.TokenTypeIds),
        };
    }

    /// <summary>
    /// The digest by which a resumed distillation knows its teacher moved (<see cref="StudentRecord.TeacherDigest"/>):
    /// the SHA-256 of the hex SHA-256s of <c>model.onnx</c> and <c>vocab.txt</c>, as it has always been, so that runs
    /// recorded before still resume. It read <c>model.onnx</c> again (90 MB for minilm) after <see cref="TeacherModel.Open"/>
    /// had loaded it; it is taken of the bytes Open loaded, so a file replaced since changes nothing.
    /// </summary>
    [Fact]
    public void TheTeachersDigestIsOfTheFilesOpenReadAndSpelledAsBefore()
    {
        var directory = Teacher("digest", epochs: 0);
        var model = Path.Combine(directory, ModelContract.ModelFile);
        var expected = TeacherDigestOf(directory);
        var teacher = TeacherModel.Open(directory);

        // Another model in its place: read again, it would be digested instead of the one loaded.
        File.Copy(Path.Combine(Teacher("other", PoolingMode.Cls, epochs: 0), ModelContract.ModelFile), model, overwrite: true);
        Assert.NotEqual(expected, TeacherDigestOf(directory));

        Assert.Equal(expected, teacher.Digest());
    }

    /// <summary>The teacher digest as runs record it (<see cref="StudentRecord.TeacherDigest"/>), spelled out here, for a model without external data.</summary>
    private static string TeacherDigestOf(string directory)
    {
        static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        return Sha256(System.Text.Encoding.UTF8.GetBytes(
            $"{Sha256(File.ReadAllBytes(Path.Combine(directory, ModelContract.ModelFile)))}\n{Sha256(File.ReadAllBytes(Path.Combine(directory, ModelContract.VocabularyFile)))}"));
    }

    [Fact]
    public void TheCutEncoderComputesWhatABertOfTheKeptLayersComputes()
    {
        var teacher = TeacherModel.Open(Teacher("cut", epochs: 0));
        Assert.Equal(4, teacher.Layers);
        Assert.Equal(PoolingMode.Mean, teacher.Pooling);
        var student = teacher.BuildStudentEncoder([1, 3]);

        var names = student.Graph.Initializers.Select(v => v.Name).ToList();
        Assert.Contains("encoder.layer.1.output.LayerNorm.bias", names);
        Assert.DoesNotContain(names, n => n.StartsWith("encoder.layer.2.", StringComparison.Ordinal) || n.StartsWith("encoder.layer.3.", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("classifier.", StringComparison.Ordinal));
        Assert.Equal([ModelContract.LastHiddenState], student.Graph.Outputs.Select(o => o.Name));

        // Reference: a fresh 2-layer tiny BERT whose layer j carries the teacher's layer keep[j] (and the teacher's embeddings).
        var trained = OnnxModel.Load(teacher.ModelPath).Graph.Initializers.ToDictionary(v => v.Name, v => v.Initializer!);
        var reference = TinyBertBuilder.Build(new TinyBertOptions { Layers = 2, Seed = 99 });
        int[] keep = [1, 3];
        foreach (var initializer in reference.Initializers)
        {
            var name = initializer.Name;
            for (int j = 0; j < keep.Length; j++)
                if (name.StartsWith($"encoder.layer.{j}.", StringComparison.Ordinal))
                {
                    name = $"encoder.layer.{keep[j]}." + name[$"encoder.layer.{j}.".Length..];
                    break;
                }
            // Only parameters: the graphs' anonymous constants ("scalar_3") share names but not meanings.
            if (name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.layer.", StringComparison.Ordinal))
                initializer.Initializer = trained[name];
        }
        var feeds = Feeds(Synthetic(6, 3), 6);
        using var cut = OnnxRunner.FromModel(student);
        using var expected = OnnxRunner.FromModel(new OnnxModel(reference));
        var actual = cut.Run(feeds)[ModelContract.LastHiddenState].ToDoubles();
        var wanted = expected.Run(feeds)[ModelContract.LastHiddenState].ToDoubles();
        Assert.Equal(wanted.Length, actual.Length);
        Assert.All(wanted.Zip(actual), p => Assert.Equal(p.First, p.Second, 5));
        // And it is not simply the teacher's output: the skipped layers mattered.
        using var full = OnnxRunner.FromFile(teacher.ModelPath);
        Assert.NotEqual(full.Run(feeds)[ModelContract.Logits].ToDoubles(), cut.Run(feeds)[ModelContract.LastHiddenState].ToDoubles().Take(2));
    }

    /// <summary>A student's base written over a kill's leftovers (a temporary no sweep removed) or an earlier run's, replaces them whole.</summary>
    [Fact]
    public void AStudentBaseReplacesWhateverWasInItsFolder()
    {
        var teacher = TeacherModel.Open(Teacher("t-write", epochs: 0));
        var directory = _root.Combine("student-encoder");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "model.onnx.tmp"), "cut short");
        File.WriteAllText(Path.Combine(directory, ModelContract.VocabularyFile), "an earlier run's");

        teacher.WriteStudentBase([1, 3], directory);

        Assert.Equal([ModelContract.ModelFile, ModelContract.VocabularyFile], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        Assert.Equal(2, StudentEncoder.LayerCount(OnnxModel.Load(Path.Combine(directory, ModelContract.ModelFile)).Graph));
        Assert.Equal(File.ReadAllText(teacher.VocabPath), File.ReadAllText(Path.Combine(directory, ModelContract.VocabularyFile)));
    }

    [Fact]
    public void TheTeachersPoolingIsReadFromItsGraph()
    {
        Assert.Equal(PoolingMode.Cls, TeacherModel.Open(Teacher("cls", PoolingMode.Cls, epochs: 0)).Pooling);
        var int8 = Assert.Throws<InvalidOptionException>(() => TeacherModel.Open(Teacher("int8", epochs: 0, int8: true)));
        Assert.Equal("TextClassifierDistillationOptions.Teacher", int8.Option);
        Assert.Contains("int8", int8.Message);
        // A teacher opened without an option's name is the library's option's.
        var missing = Assert.Throws<InvalidOptionException>(() => TeacherModel.Open(_root.Combine("nothing")));
        Assert.Equal("TextClassifierDistillationOptions.Teacher", missing.Option);
        Assert.Equal("does not exist", missing.Problem);
    }

    [Fact]
    public void ADistilledStudentTrainsExportsAndRunsWithTwoLayers()
    {
        var teacher = TeacherModel.Open(Teacher("teacher", epochs: 6));
        var train = Synthetic(96, 1);
        var validation = Synthetic(32, 2);
        var teacherLogits = TeacherLogits.Compute(teacher, new OrtSessionSettings(), train, 0);
        var teacherReport = TeacherLogits.Score(Labels, validation, TeacherLogits.Compute(teacher, new OrtSessionSettings(), validation, 0));
        Assert.True(teacherReport.Accuracy >= 0.9, $"teacher accuracy {teacherReport.Accuracy}");

        var keep = LayerSelection.EvenlySpaced(teacher.Layers, 2);
        var artifacts = StudentArtifacts.Generate(teacher, keep, new DistillationOptions { Layers = 2, Temperature = 2f, Alpha = 0.7f },
            new StudentTrainingSettings(11, 0.1f, 0.01, 16, "tiny"), _root.Combine("student-artifacts"));
        Assert.Equal("kd", artifacts.Properties.Loss);
        Assert.Equal(2f, artifacts.Properties.Temperature);
        // The student starts from the teacher's trained head.
        var initial = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
        Assert.Equal(teacher.HeadWeight.ToDoubles(), initial[ClassifierHead.WeightName].ToDoubles());

        var observer = new RecordingObserver();
        FineTuningResult result;
        using (var session = TrainingSession.Create(artifacts, new OrtSessionSettings()))
            result = new FineTuner(session, Options(4), Labels, 0, observer).Run(train.WithTeacherLogits(teacherLogits, 2), validation, null, default);
        Assert.All(observer.Steps, s => Assert.True(double.IsFinite(s.Loss) && s.GradNorm > 0));
        Assert.True(result.BestReport!.Accuracy >= 0.85, $"student accuracy {result.BestReport.Accuracy}");

        var output = _root.Combine("student");
        ModelExporter.Export(artifacts, result.BestParameters, new ExportOptions { MaxLength = 16, BaseModelName = "tiny" }, output);
        var exported = OnnxModel.Load(Path.Combine(output, ModelContract.ModelFile));
        var layers = exported.Graph.Initializers.Select(v => v.Name).Where(n => n.StartsWith("encoder.layer.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[2]).Distinct().Order().ToArray();
        Assert.Equal(["0", "1"], layers);
        // The export predicts what the trainer's eval model measured.
        var feeds = Feeds(validation, validation.Count);
        var logits = OnnxRunner.FromModel(exported).Run(feeds)[ModelContract.Logits].ToDoubles().Select(v => (float)v).ToArray();
        Assert.Equal(result.BestReport.Accuracy, TeacherLogits.Score(Labels, validation, logits).Accuracy, 6);
    }

    [Fact]
    public void TrainingAStudentWithoutTeacherLogitsFailsNamingThem()
    {
        var teacher = TeacherModel.Open(Teacher("plain", epochs: 0));
        var artifacts = StudentArtifacts.Generate(teacher, [3], new DistillationOptions { Layers = 1 },
            new StudentTrainingSettings(11, 0.1f, 0.01, 16, "tiny"), _root.Combine("plain-artifacts"));
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
        var error = Assert.Throws<InvalidOperationException>(() =>
            new FineTuner(session, Options(1), Labels, 0, new RecordingObserver()).Run(Synthetic(16, 1), Synthetic(8, 2), null, default));
        Assert.Contains("teacher logits", error.Message);
    }

    [Fact]
    public void AlphaZeroTrainsOnTheLabelsWithoutTeacherLogits()
    {
        var teacher = TeacherModel.Open(Teacher("alpha0", epochs: 0));
        var artifacts = StudentArtifacts.Generate(teacher, [3], new DistillationOptions { Layers = 1, Alpha = 0f },
            new StudentTrainingSettings(11, 0.1f, 0.01, 16, "tiny"), _root.Combine("alpha0-artifacts"));
        Assert.DoesNotContain(OnnxModel.Load(artifacts.TrainingModelPath).Graph.Inputs, i => i.Name == Losses.DistillationLoss.TeacherLogitsInputName);
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
        var result = new FineTuner(session, Options(1), Labels, 0, new RecordingObserver()).Run(Synthetic(16, 1), Synthetic(8, 2), null, default);
        Assert.Equal(2, result.Steps);
    }
}
