using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// <see cref="TextClassifierTrainer.Distill"/>: distillation existed only as <c>ortagent distill</c>'s orchestration, so a
/// program embedding the library had to copy it. The facade trains a student of a teacher the facade trained, resumes a
/// cancelled run to the uninterrupted run's model, and refuses a missing or unusable teacher before writing anything.
/// </summary>
public sealed class TextClassifierDistillTests : IDisposable
{
    private readonly TempDirectory _root = new("text-classifier-distill");
    private readonly string _base;
    private readonly LabeledExample[] _training = TextClassifierTrainerTests.Reviews(40, 3);

    public TextClassifierDistillTests()
    {
        _base = _root.Combine("base-4");
        TinyBertBuilder.WriteBaseModel(_base, new TinyBertOptions { Layers = 4, Seed = 5 });
    }

    public void Dispose() => _root.Dispose();

    /// <summary>A 4-layer teacher, fine-tuned by the facade on the reviews.</summary>
    private string Teacher()
    {
        var teacher = TextClassifierTrainer.Train(TextClassifierTrainerTests.Options(_base, _root, "teacher", TrainingMethod.Standard), _training);
        return teacher.OutputDirectory;
    }

    private TextClassifierDistillationOptions Options(string teacher, string name) => new()
    {
        Teacher = teacher,
        ArtifactsDirectory = _root.Combine("artifacts", name),
        OutputDirectory = _root.Combine("models", name),
        Distillation = new DistillationOptions { Layers = 2 },
        FineTuning = new FineTuningOptions { Epochs = 2, BatchSize = 8, LearningRate = 5e-3, MinimumSteps = 0, Seed = 5, Metric = ValidationMetric.Accuracy },
        Session = new OrtSessionSettings { IntraOpThreads = 1 },
    };

    [Fact]
    public void DistilsATeacherIntoAStudentOfTheLayersAskedForWithTheCardAndRecordsOfDistill()
    {
        var teacher = Teacher();

        var result = TextClassifierTrainer.Distill(Options(teacher, "student"), _training);

        Assert.False(result.Resumed);
        Assert.Equal(4, result.TeacherLayers);
        Assert.Equal([1, 3], result.KeptLayers);
        Assert.Equal(["negative", "positive"], result.Labels);
        Assert.Equal((72, 8), (result.TrainingExamples, result.ValidationExamples));
        Assert.True(result.Steps > 0);
        Assert.Equal(result.Student!.Accuracy, result.BestMetric);
        Assert.Equal(["0", "1"], TextClassifierTrainerStudentTests.LayersOf(result.OutputDirectory));
        // Printed with its lists and reports' accuracies, not their type names.
        Assert.Contains("Labels = [negative, positive], TeacherLayers = 4, KeptLayers = [1, 3], Resumed = False, Teacher accuracy = ", result.ToString());
        Assert.DoesNotContain("OrtAgent.", result.ToString());
        using var student = TextClassifier.Load(result.OutputDirectory);
        Assert.Equal(["negative", "positive"], student.Labels);
        Assert.Equal(result.Teacher.Accuracy, student.Info.Metrics[DistillationCard.TeacherAccuracyMetric]);
        Assert.Contains(student.Predict("the food was great").Label, result.Labels);
        // The card and records distill writes: a later export --checkpoint or resume reads them.
        var card = ModelCard.SectionsOf(File.ReadAllText(Path.Combine(result.OutputDirectory, "README.md")));
        Assert.Equal(["Distillation", "Teacher and student on the validation split", "Data", "Hyperparameters", "Run"], card.Keys);
        Assert.StartsWith($"- teacher: `{teacher}` (base-4, 4 layers)\n- student: 2 layers, teacher layers 1, 3 renumbered 0-1", card["Distillation"]);
        Assert.Equal("- training: 80 examples given in memory, 72 trained on\n" +
            "- validation: 8 held out of 80 examples given in memory (stratified, seed 5), 8 validated on\n" +
            "- examples per label (training/validation): `negative` 36/4, `positive` 36/4", card["Data"]);
        // The standard, contrastive and LoRA cards say what was frozen; a student's said nothing (it freezes nothing).
        Assert.Contains("\n| dropout | 0.1 |\n| frozen | none |\n| seed | 5 |\n", card["Hyperparameters"]);
        Assert.EndsWith("The validation loss is cross-entropy on the labels.", card["Run"]);
        var record = StudentRecord.Read(result.ArtifactsDirectory)!;
        Assert.Equal((teacher, result.Teacher.Accuracy), (record.Teacher, record.TeacherAccuracy));
        Assert.Equal([1, 3], record.KeptLayers);
        Assert.Equal(Losses.LossOptions.ShortName(Losses.LossKind.Distillation), TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.Loss);
    }

    /// <summary>
    /// A one-layer student's card read "1 layers, teacher layers 3 renumbered 0-0", and its epochs row gave the epochs asked
    /// for where the least steps raised them (the run printed the raised count): both read as the run was.
    /// </summary>
    [Fact]
    public void AOneLayerStudentsCardSaysItInTheSingularAndGivesTheEpochsTaken()
    {
        var teacher = Teacher();
        var options = Options(teacher, "one-layer");
        options = options with
        {
            Distillation = new DistillationOptions { Layers = 1 },
            // 72 training examples at batch 8: 9 steps an epoch, so 3 epochs take at least 20.
            FineTuning = options.FineTuning with { Epochs = 1, MinimumSteps = 20 },
        };

        var result = TextClassifierTrainer.Distill(options, _training);

        Assert.Equal(27, result.Steps);
        var card = ModelCard.SectionsOf(File.ReadAllText(Path.Combine(result.OutputDirectory, "README.md")));
        Assert.StartsWith($"- teacher: `{teacher}` (base-4, 4 layers)\n- student: 1 layer, teacher layer 3 (its last) renumbered 0, the teacher's embeddings and trained head\n",
            card["Distillation"]);
        Assert.StartsWith("| setting | value |\n|---|---|\n| epochs | 3 (to take at least 20 steps; 1 asked for) |\n", card["Hyperparameters"]);
    }

    [Fact]
    public void ACancelledDistillationResumesOnTheNextCallToTheUninterruptedRunsModel()
    {
        var teacher = Teacher();
        var whole = new RecordingObserver();
        var uninterrupted = TextClassifierTrainer.Distill(Options(teacher, "whole"), _training, observer: whole);

        using var cancel = new CancellationTokenSource();
        var first = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == 5) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Distill(Options(teacher, "resumed"), _training, observer: first, cancellationToken: cancel.Token));
        Assert.False(Directory.Exists(Options(teacher, "resumed").OutputDirectory));
        var second = new RecordingObserver();
        var resumed = TextClassifierTrainer.Distill(Options(teacher, "resumed"), _training, observer: second);

        Assert.True(resumed.Resumed);
        Assert.Equal((uninterrupted.Steps, uninterrupted.BestStep, uninterrupted.BestMetric), (resumed.Steps, resumed.BestStep, resumed.BestMetric));
        long stoppedAt = second.Steps[0].Step - 1;
        Assert.True(stoppedAt >= 5, $"resumed after step {stoppedAt}");
        Assert.Equal(whole.Steps.Where(s => s.Step > stoppedAt).Select(s => (s.Step, Math.Round(s.Loss, 5))),
            second.Steps.Select(s => (s.Step, Math.Round(s.Loss, 5))));
        Assert.Equal(File.ReadAllBytes(Path.Combine(uninterrupted.OutputDirectory, ModelContract.ModelFile)),
            File.ReadAllBytes(Path.Combine(resumed.OutputDirectory, ModelContract.ModelFile)));
        // Its card times the steps this call took, as train's does: it gave this call's time as the whole run's.
        Assert.Contains($"{resumed.Steps} optimizer steps (the last {resumed.Steps - stoppedAt} in ", File.ReadAllText(Path.Combine(resumed.OutputDirectory, "README.md")));
        Assert.Contains($", resumed at step {stoppedAt}); ", File.ReadAllText(Path.Combine(resumed.OutputDirectory, "README.md")));

        // Called again once finished, it returns the run and leaves its student alone.
        var modelPath = Path.Combine(resumed.OutputDirectory, ModelContract.ModelFile);
        var written = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(modelPath, written);
        var again = TextClassifierTrainer.Distill(Options(teacher, "resumed"), _training);
        Assert.Equal((resumed.Steps, resumed.BestMetric), (again.Steps, again.BestMetric));
        Assert.Equal(written, File.GetLastWriteTimeUtc(modelPath));

        // Resumed with another α, or into another number of layers, the run is refused, naming what it has.
        var alpha = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(
            Options(teacher, "resumed") with { Distillation = new DistillationOptions { Layers = 2, Alpha = 0.9f } }, _training));
        Assert.Equal($"DistillationOptions.Alpha = 0.9: the run in {resumed.ArtifactsDirectory} was built with 0.5, which a resumed run keeps; " +
            "distil with what it has, or set ExistingRun to Replace to start a new run there", alpha.Message);
        var layers = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(
            Options(teacher, "resumed") with { Distillation = new DistillationOptions { Layers = 3 } }, _training));
        Assert.StartsWith($"DistillationOptions.Layers = 3: the run in {resumed.ArtifactsDirectory} has a student of 2 layers (teacher layers 1, 3)", layers.Message);
    }

    /// <summary>
    /// A resumed student whose artifacts lost their vocab.txt copy gets its teacher's back before training, said as a
    /// message, with and without the digest the run records (then held to the teacher's own): it trained every remaining
    /// epoch and only then its export refused (vocab.txt is missing).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AResumedDistillationPutsTheTeachersVocabularyBackBeforeTrainingAndExports(bool digestRecorded)
    {
        var teacher = Teacher();
        var options = Options(teacher, "resumed");
        using (var cancel = new CancellationTokenSource())
        {
            var first = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == 3) cancel.Cancel(); } };
            Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Distill(options, _training, observer: first, cancellationToken: cancel.Token));
        }
        string copy = Path.Combine(options.ArtifactsDirectory, ModelContract.VocabularyFile);
        File.Delete(copy);
        if (!digestRecorded) RemoveTheVocabularyDigest(Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.CheckpointDirectoryName, TrainingArtifacts.PropertiesFile));
        var observer = new RecordingObserver();

        var result = TextClassifierTrainer.Distill(options, _training, observer: observer);

        Assert.True(result.Resumed);
        string teachers = Path.Combine(teacher, ModelContract.VocabularyFile);
        Assert.Contains($"{copy} was missing; copied in the teacher's ({teachers}), the vocabulary the run trains with, which its model is exported with", observer.Messages);
        Assert.NotEmpty(observer.Steps);
        Assert.Equal(File.ReadAllBytes(teachers), File.ReadAllBytes(copy));
        using var student = TextClassifier.Load(result.OutputDirectory);
        Assert.Contains(student.Predict("the food was great").Label, result.Labels);
    }

    private static void RemoveTheVocabularyDigest(string propertiesPath)
    {
        var properties = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(propertiesPath))!.AsObject();
        Assert.True(properties.Remove("vocabulary_sha256"));
        File.WriteAllText(propertiesPath, properties.ToJsonString());
    }

    /// <summary>
    /// Artifacts from before a setting was recorded (here the temperature, taken out of the run's properties): which one
    /// the student was built with is unknown, so a resumed call asking for one is refused, not resumed under a
    /// temperature the graphs may not have.
    /// </summary>
    [Fact]
    public void AResumedRunThatRecordedNoTemperatureIsRefusedWhenOneIsAskedFor()
    {
        var teacher = Teacher();
        var first = TextClassifierTrainer.Distill(Options(teacher, "old"), _training);
        var properties = Path.Combine(first.ArtifactsDirectory, "checkpoint", "properties.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(properties))!.AsObject();
        Assert.True(json.Remove("temperature"), "the run recorded no temperature to take out");
        File.WriteAllText(properties, json.ToJsonString());

        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(Options(teacher, "old"), _training));

        Assert.Equal($"DistillationOptions.Temperature = 2: the run in {first.ArtifactsDirectory} was built with none recorded, which a resumed run keeps; " +
            "distil with what it has, or set ExistingRun to Replace to start a new run there", refused.Message);
    }

    [Fact]
    public void AMissingOrUnusableTeacherIsRefusedBeforeAnythingIsWritten()
    {
        var missing = _root.Combine("no-teacher");
        var refused = Assert.ThrowsAny<UserInputException>(() => TextClassifierTrainer.Distill(Options(missing, "missing"), _training));
        Assert.Equal($"TextClassifierDistillationOptions.Teacher = '{missing}': does not exist", refused.Message);

        // A base encoder is no classifier: it has no labels or head to distil.
        // Named by the option, as the missing teacher is.
        refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(Options(_base, "base"), _training));
        Assert.Equal($"TextClassifierDistillationOptions.Teacher = '{_base}': cannot be distilled: it is not an OrtAgent export (no OrtAgent metadata in model.onnx)", refused.Message);

        var teacher = Teacher();
        var tooMany = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(
            Options(teacher, "layers") with { Distillation = new DistillationOptions { Layers = 4 } }, _training));
        Assert.Equal("DistillationOptions.Layers = 4: must be at least 1 and below the teacher's 4 layers", tooMany.Message);
        var relabelled = _training.Select(e => e with { Label = e.Label == "positive" ? "good" : e.Label }).ToArray();
        refused = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Distill(Options(teacher, "labels"), relabelled));
        Assert.StartsWith("training example 1: label 'good' is not one of the teacher's labels 'negative', 'positive'", refused.Message);
        var intoTeacher = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(Options(teacher, "into") with { OutputDirectory = teacher }, _training));
        Assert.StartsWith($"TextClassifierDistillationOptions.OutputDirectory = '{teacher}': is the teacher", intoTeacher.Message);
        // The student keeps the teacher's 64-row position table: 128 was taken, and the run failed inside ONNX Runtime on
        // the first longer text, or was refused at export as an ExportOptions.MaxLength never set.
        var longer = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Distill(Options(teacher, "length") with { MaxLength = 128 }, _training));
        Assert.Equal($"TextClassifierDistillationOptions.MaxLength = 128: is longer than the 64 rows of {Path.Combine(teacher, ModelContract.ModelFile)}'s position table, " +
            "the longest sequence the model can run", longer.Message);
        // A run of train in the artifacts directory is no student to resume.
        var trainRun = _root.Combine("artifacts", "teacher");
        refused = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Distill(Options(teacher, "train-run") with { ArtifactsDirectory = trainRun }, _training));
        Assert.Equal($"TextClassifierDistillationOptions.ArtifactsDirectory {trainRun}: these artifacts are a fine-tuning run's, not a distillation's; " +
            "set ExistingRun to Replace to start a new run there", refused.Message);

        Assert.False(Directory.Exists(_root.Combine("artifacts", "missing")));
        foreach (var name in new[] { "missing", "base", "layers", "labels", "into", "length", "train-run" })
        {
            Assert.False(Directory.Exists(_root.Combine("artifacts", name)), name);
            Assert.False(Directory.Exists(_root.Combine("models", name)), name);
        }
    }
}
