using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// <see cref="TextClassifierTrainingOptions.InitFrom"/> a distilled student, which has fewer layers than the base it was
/// cut from: the run builds on the student's own encoder, as <c>train --init-from</c> does. The facade refused it.
/// </summary>
public sealed class TextClassifierTrainerStudentTests : IDisposable
{
    private static readonly string[] Labels = ["negative", "positive"];

    /// <summary>The first 12 hex digits of the SHA-256 of the base model's model.onnx in <paramref name="baseDirectory"/>, as messages give it.</summary>
    private static string Digest(string baseDirectory) => BaseModelFingerprint.Of(Path.Combine(baseDirectory, ModelContract.ModelFile))[..12];
    private readonly TempDirectory _root = new("text-classifier-trainer-student");
    private readonly string _base;

    public TextClassifierTrainerStudentTests()
    {
        _base = _root.Combine("base-4");
        TinyBertBuilder.WriteBaseModel(_base, new TinyBertOptions { Layers = 4, Seed = 5 });
    }

    public void Dispose() => _root.Dispose();

    /// <summary>A 4-layer model on the base, exported from its initial weights.</summary>
    private string Teacher()
    {
        var teacherArtifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base, Labels = Labels, Seed = 3 }, _root.Combine("teacher-artifacts"));
        var teacher = _root.Combine("teacher");
        ModelExporter.Export(teacherArtifacts, SafeTensorsReader.Read(teacherArtifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false }, teacher);
        return teacher;
    }

    /// <summary>A 2-layer student of <see cref="Teacher"/>, exported from its initial weights (a distillation of no step).</summary>
    private string Student()
    {
        var teacher = Teacher();
        var studentArtifacts = StudentArtifacts.Generate(TeacherModel.Open(teacher), [1, 3], new DistillationOptions { Layers = 2 },
            new StudentTrainingSettings(11, 0.1f, 0.01, 16, "tiny"), _root.Combine("student-artifacts"));
        var student = _root.Combine("student");
        ModelExporter.Export(studentArtifacts, SafeTensorsReader.Read(studentArtifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false }, student);
        return student;
    }

    /// <summary>The encoder layer numbers of an exported model's parameters (<c>encoder.layer.N.*</c>), in order.</summary>
    internal static string[] LayersOf(string modelDirectory) =>
        OnnxModel.Load(Path.Combine(modelDirectory, ModelContract.ModelFile)).Graph.Initializers.Select(v => v.Name)
            .Where(n => n.StartsWith("encoder.layer.", StringComparison.Ordinal)).Select(n => n.Split('.')[2]).Distinct().Order().ToArray();

    [Fact]
    public void AStudentTrainsOnItsOwnEncoderAndTheSameCallResumesOnIt()
    {
        var student = Student();
        var options = TextClassifierTrainerTests.Options(_base, _root, "from-student", TrainingMethod.Standard) with
        {
            InitFrom = student,
            // A negligible rate: the run's model answers as the student does.
            FineTuning = new FineTuningOptions { Epochs = 1, BatchSize = 16, LearningRate = 1e-12, MinimumSteps = 0, Seed = 5 },
        };
        var training = TextClassifierTrainerTests.Reviews(40, 3);

        var result = TextClassifierTrainer.Train(options, training);

        Assert.False(result.Resumed);
        Assert.True(UnixFileStatus.SameFile(Path.Combine(result.ArtifactsDirectory, TrainingArtifacts.DerivedEncoderDirectoryName),
            TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.BaseModel));
        Assert.Equal(["0", "1"], LayersOf(result.OutputDirectory));
        using (var before = TextClassifier.Load(student))
        using (var after = TextClassifier.Load(result.OutputDirectory))
            foreach (var text in new[] { "the food was great", "an awful place", "it was fine" })
                foreach (var (label, probability) in before.Predict(text).Probabilities)
                    Assert.Equal(probability, after.Predict(text).Probabilities[label], 3);

        // The same call again resumes the run, which was built on the student's encoder rather than on the base given.
        Assert.True(TextClassifierTrainer.Train(options, training).Resumed);
        var other = _root.Combine("other-base");
        TinyBertBuilder.WriteBaseModel(other, new TinyBertOptions { Layers = 4, Seed = 6 });
        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options with { BaseModel = other }, training));
        Assert.Equal($"TextClassifierTrainingOptions.BaseModel = '{other}': the run in {result.ArtifactsDirectory} was built on the encoder of a distilled student, " +
            $"with a base whose model.onnx has SHA-256 {Digest(_base)}… (base-4); {other}'s is {Digest(other)}…; train with what it has, " +
            "or set ExistingRun to Replace to start a new run there", refused.Message);
        // The base is known by its content: another base in a folder of the same name was taken for it, a copy of it
        // elsewhere is the base itself.
        var sameName = _root.Combine("elsewhere", "base-4");
        TinyBertBuilder.WriteBaseModel(sameName, new TinyBertOptions { Layers = 4, Seed = 6 });
        var renamed = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options with { BaseModel = sameName }, training));
        // Said by content: "with base-4 as its base" named the folder given.
        Assert.Equal($"TextClassifierTrainingOptions.BaseModel = '{sameName}': the run in {result.ArtifactsDirectory} was built on the encoder of a distilled student, " +
            $"with a base whose model.onnx has SHA-256 {Digest(_base)}… (base-4); {sameName}'s is {Digest(sameName)}…; train with what it has, " +
            "or set ExistingRun to Replace to start a new run there", renamed.Message);
        var copy = _root.Combine("copy", "base-4");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(_base)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        Assert.True(TextClassifierTrainer.Train(options with { BaseModel = copy }, training).Resumed);
    }

    /// <summary>A model with more layers than the base was not trained from it, nor distilled from such a model: refused before anything is written.</summary>
    [Fact]
    public void AModelWithMoreLayersThanTheBaseIsRefused()
    {
        var teacher = Teacher();
        var twoLayers = _root.Combine("base-2");
        TinyBertBuilder.WriteBaseModel(twoLayers, new TinyBertOptions { Layers = 2, Seed = 5 });
        var options = TextClassifierTrainerTests.Options(twoLayers, _root, "more-layers", TrainingMethod.Standard) with { InitFrom = teacher };

        var refused = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, TextClassifierTrainerTests.Reviews(40, 3)));

        Assert.Equal($"TextClassifierTrainingOptions.InitFrom {teacher}: the model has 4 encoder layers and the base model 2; " +
            "start from a model trained from TextClassifierTrainingOptions.BaseModel, or from a student distilled from such a model", refused.Message);
        Assert.False(Directory.Exists(options.ArtifactsDirectory));
        Assert.False(Directory.Exists(options.OutputDirectory));
    }

    /// <summary>
    /// A run from a student reads its <c>vocab.txt</c> once, when the student is opened (and checked against what the
    /// model records), as distillation reads its teacher's: its casing, its tokenizer and the base written with its encoder
    /// all come from those bytes. It was read up to four times, so a vocabulary gone by the time the run built its base
    /// stopped the run, and one replaced meanwhile was written unchecked beside the encoder.
    /// </summary>
    [Fact]
    public void AStudentsVocabularyIsReadOnceWhenItIsOpened()
    {
        var student = Student();
        var vocabularyPath = Path.Combine(student, ModelContract.VocabularyFile);
        var vocabulary = File.ReadAllBytes(vocabularyPath);
        var copy = _root.Combine("vocab-copy.txt");
        File.WriteAllBytes(copy, vocabulary);
        var opened = InitialModel.Open(student, "TextClassifierTrainingOptions.InitFrom");
        File.Delete(vocabularyPath);

        var architecture = opened.OwnEncoderOver(BaseModel.Open(_base));
        var encoder = opened.CreateTextEncoder(new BertTextEncoderOptions { LowerCase = true, MaxLength = 16 });
        var written = _root.Combine("own-encoder");
        opened.OwnEncoder().Write(written);

        Assert.Equal(2, architecture?.Layers);
        Assert.True(architecture?.LowerCase);
        var expected = BertTextEncoder.Create(copy, new BertTextEncoderOptions { LowerCase = true, MaxLength = 16 });
        Assert.Equal(expected.Encode("the food was great"), encoder.Encode("the food was great"));
        Assert.Equal(vocabulary, File.ReadAllBytes(Path.Combine(written, ModelContract.VocabularyFile)));
    }

    /// <summary>
    /// A 2-layer model of another base, given a 4-layer base whose vocabulary numbers the words otherwise (in reverse,
    /// after 32 unused tokens): the run builds on the model's own encoder, yet read the text with the base's vocabulary,
    /// giving the model token ids it was not trained on, past the 128 rows of its embedding table for many words; the CLI
    /// case failed inside ONNX Runtime (Gather idx must be within [-128,127]).
    /// </summary>
    [Fact]
    public void AModelOfAnotherBaseTrainsWithItsOwnVocabulary()
    {
        var otherBase = _root.Combine("other-2");
        TinyBertBuilder.WriteBaseModel(otherBase, new TinyBertOptions { Layers = 2, Seed = 7 });
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = otherBase, Labels = Labels, Seed = 3 }, _root.Combine("model-artifacts"));
        var model = _root.Combine("model");
        ModelExporter.Export(artifacts, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "other-2", WriteExplainGraph = false }, model);
        var wide = _root.Combine("wide-4");
        TinyBertBuilder.WriteBaseModel(wide, new TinyBertOptions { Layers = 4, VocabSize = 160, Seed = 5 });
        var tokens = File.ReadAllLines(Path.Combine(otherBase, ModelContract.VocabularyFile));
        File.WriteAllLines(Path.Combine(wide, ModelContract.VocabularyFile),
            [.. tokens[..5], .. Enumerable.Range(0, 32).Select(i => $"[unused{i}]"), .. tokens[5..].Reverse()]);
        var options = TextClassifierTrainerTests.Options(wide, _root, "from-other-base", TrainingMethod.Standard) with
        {
            InitFrom = model,
            FineTuning = new FineTuningOptions { Epochs = 1, BatchSize = 16, LearningRate = 1e-12, MinimumSteps = 0, Seed = 5 },
        };

        var result = TextClassifierTrainer.Train(options, TextClassifierTrainerTests.Reviews(40, 3));

        Assert.Equal(tokens, File.ReadAllLines(Path.Combine(result.OutputDirectory, ModelContract.VocabularyFile)));
        using var before = TextClassifier.Load(model);
        using var after = TextClassifier.Load(result.OutputDirectory);
        foreach (var text in new[] { "the food was great", "an awful place", "it was fine" })
            foreach (var (label, probability) in before.Predict(text).Probabilities)
                Assert.Equal(probability, after.Predict(text).Probabilities[label], 3);
    }
}
