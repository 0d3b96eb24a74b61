using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// The one-call facade on a tiny BERT: it trains and exports a model the runtime loads, picks the method as the command
/// line does, and refuses bad options, data and directories before writing anything.
/// </summary>
public sealed class TextClassifierTrainerTests : IDisposable
{
    private static readonly string[] Good = ["good", "great", "excellent", "love", "best", "nice"];
    private static readonly string[] Bad = ["bad", "terrible", "awful", "hate", "worst", "boring"];
    private static readonly string[] Filler = ["the", "movie", "film", "book", "food", "service", "was", "is", "it", "this", "very", "really", "staff", "room"];

    private readonly TempDirectory _root = new("text-classifier-trainer");
    private readonly string _base;

    public TextClassifierTrainerTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    /// <summary><paramref name="perLabel"/> texts of each label: a few filler words around one word of the label's sentiment.</summary>
    internal static LabeledExample[] Reviews(int perLabel, int seed)
    {
        var random = new Random(seed);
        var examples = new List<LabeledExample>();
        for (int i = 0; i < perLabel * 2; i++)
        {
            bool positive = i % 2 == 0;
            var words = Enumerable.Range(0, random.Next(2, 6)).Select(_ => Filler[random.Next(Filler.Length)]).ToList();
            words.Insert(random.Next(words.Count + 1), (positive ? Good : Bad)[random.Next(Good.Length)]);
            examples.Add(new LabeledExample(string.Join(' ', words), positive ? "positive" : "negative"));
        }
        return [.. examples];
    }

    private TextClassifierTrainingOptions Options(string name, TrainingMethod method = TrainingMethod.Auto) => Options(_base, _root, name, method);

    /// <summary>The standard loop's settings of a contrastive run: the defaults, but for the seed (which it reads, with the metric).</summary>
    internal static readonly FineTuningOptions PairsFineTuning = new() { Seed = 5 };

    /// <summary>
    /// Fast settings for the tiny BERT in <paramref name="baseModel"/>, with directories named <paramref name="name"/> under <paramref name="root"/>.
    /// A contrastive run gets <see cref="PairsFineTuning"/>, since it refuses the standard loop's other settings.
    /// </summary>
    internal static TextClassifierTrainingOptions Options(string baseModel, TempDirectory root, string name, TrainingMethod method = TrainingMethod.Auto) => new()
    {
        BaseModel = baseModel,
        ArtifactsDirectory = root.Combine("artifacts", name),
        OutputDirectory = root.Combine("models", name),
        Method = method,
        FineTuning = method == TrainingMethod.Contrastive
            ? PairsFineTuning
            : new FineTuningOptions { Epochs = 3, BatchSize = 16, LearningRate = 5e-3, MinimumSteps = 0, Seed = 5, Metric = ValidationMetric.Accuracy },
        Contrastive = new ContrastiveOptions { PairRounds = 2, Epochs = 1, BatchSize = 16, LearningRate = 1e-3, MinimumSteps = 0, Seed = 5 },
        Session = new OrtSessionSettings { IntraOpThreads = 1 },
    };

    [Fact]
    public void TrainsAStandardModelWhoseExportLoadsAndPredictsTheTrainingLabels()
    {
        var training = Reviews(80, 1);
        var result = TextClassifierTrainer.Train(Options("standard"), training);

        // 80 a label, 8 of them held out: every class keeps 72 to train on, at least auto's 64, so standard fine-tuning.
        Assert.Equal(TrainingMethod.Standard, result.Method.Method);
        Assert.StartsWith("auto: every class has at least 64", result.Method.Reason);
        Assert.Equal((144, 16), (result.TrainingExamples, result.ValidationExamples));
        Assert.Equal([8L, 8L], result.BestReport!.PerClass.Select(c => c.Support));
        Assert.Equal(["negative", "positive"], result.Labels);
        Assert.False(result.Resumed);
        Assert.True(result.Steps > 0 && result.BestMetric is not null);

        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Equal(["negative", "positive"], classifier.Labels);
        var texts = training.Take(40).ToArray();
        var predictions = classifier.PredictBatch(texts.Select(e => e.Text).ToArray());
        Assert.All(predictions, p => Assert.Contains(p.Label, result.Labels));
        int right = predictions.Zip(texts).Count(pair => pair.First.Label == pair.Second.Label);
        Assert.True(right >= 32, $"{right} of 40 training texts predicted right");
        Assert.Equal(TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.Labels, result.Labels);
    }

    [Fact]
    public void AutoTrainsContrastivelyWhenAClassHasFewerThan64ExamplesAndTheExportPredictsItsLabels()
    {
        var result = TextClassifierTrainer.Train(Options("few") with { FineTuning = PairsFineTuning }, Reviews(10, 2));

        Assert.Equal(TrainingMethod.Contrastive, result.Method.Method);
        Assert.Equal("auto: the smallest class has 9 training examples, fewer than 64", result.Method.Reason);
        Assert.Equal(TrainingObjective.PairSimilarity, TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.Objective);
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Equal(["negative", "positive"], classifier.Labels);
        Assert.Contains(classifier.Predict("the food was great").Label, result.Labels);
    }

    [Fact]
    public void TheHeldOutValidationIsStratifiedAndTheSameForTheSameSeed()
    {
        var examples = Reviews(30, 3).Concat(Enumerable.Range(0, 10).Select(i => new LabeledExample($"the room {i}", "neutral"))).ToArray();

        var first = InMemoryExamples.HoldOut(examples, 0.2, seed: 7);
        var again = InMemoryExamples.HoldOut(examples, 0.2, seed: 7);
        var other = InMemoryExamples.HoldOut(examples, 0.2, seed: 8);

        Assert.Equal(first.Validation, again.Validation);
        Assert.Equal(first.Training, again.Training);
        Assert.NotEqual(first.Validation, other.Validation);
        // 20% of each label: 6 of 30 positive, 6 of 30 negative, 2 of 10 neutral; nothing lost, nothing in both parts.
        Assert.Equal([("negative", 6), ("neutral", 2), ("positive", 6)],
            first.Validation.GroupBy(e => e.Label).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count())));
        Assert.Equal(examples.Length, first.Training.Count + first.Validation.Count);
        Assert.Empty(first.Training.Intersect(first.Validation));
        Assert.Equal(examples.Where(first.Training.Contains), first.Training);   // in the data's order
    }

    public static TheoryData<string, string> BadData => new()
    {
        { "empty", "the training data has no examples" },
        { "one label", "a classifier needs at least two labels, found only 'positive' in the training data" },
        { "empty text", "training example 3: the text is empty" },
        // Said "empty", where the data files' readers say what such a text holds (their column aside).
        { "whitespace text", "training example 3: the text has nothing to classify: it is only whitespace" },
        { "no-break space text", "validation example 2: the text has nothing to classify: it is only whitespace" },
        { "null text", "training example 3: the text is null" },
        { "null label", "training example 3: the label is null" },
        { "zero-width text", "training example 3: the text has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)" },
        { "lone accent", "validation example 2: the text has nothing to classify: it holds only combining-mark characters, which the tokenizer drops (U+0301)" },
        { "case variants", "the training data: the labels 'Negative' and 'negative' differ only in case" },
        { "unknown validation label", "validation example 2: label 'Positive' is not one of the training labels 'negative', 'positive'; labels are compared exactly, and 'positive' differs only in case" },
        { "empty validation", "the validation data has no examples" },
        { "label without examples", "the training data: label 'neutral' has no training examples" },
        { "label not given", "the training data: label 'positive' is not one of the labels given ('negative', 'neutral')" },
        { "single examples", "the training data has too few examples to hold out validation: every label has only one; give validation examples of their own, or at least two examples of a label" },
        { "max length", "TextClassifierTrainingOptions.MaxLength" },
        { "validation fraction", "TextClassifierTrainingOptions.ValidationFraction" },
        { "fine-tuning option", "FineTuningOptions.BatchSize" },
        { "output inside artifacts", "TextClassifierTrainingOptions.OutputDirectory" },
        { "base model", "TextClassifierTrainingOptions.BaseModel = " },
        { "label with a space", "training example 2: label 'negative ' has spaces around it; labels are names, compared exactly: give 'negative'" },
        { "label with a tab", "validation example 1: label 'good?bad' holds a line break, tab or other control character" },
        { "given label with a space", "TextClassifierTrainingOptions.Labels = 'negative, positive': label ' positive' has spaces around it" },
    };

    [Theory]
    [MemberData(nameof(BadData))]
    public void BadDataOrOptionsAreRefusedNamingTheMistakeBeforeAnythingIsWritten(string mistake, string expected)
    {
        var options = Options("refused");
        var training = Reviews(10, 4);
        IReadOnlyList<LabeledExample>? validation = null;
        switch (mistake)
        {
            case "empty": training = []; break;
            case "one label": training = [.. training.Where(e => e.Label == "positive")]; break;
            case "empty text": training[2] = training[2] with { Text = "" }; break;
            case "whitespace text": training[2] = training[2] with { Text = "  " }; break;
            case "no-break space text": validation = [new("a good film", "positive"), new("\u00A0", "negative")]; break;
            case "null text": training[2] = training[2] with { Text = null! }; break;
            case "null label": training[2] = training[2] with { Label = null! }; break;
            case "zero-width text": training[2] = training[2] with { Text = "\u200B" }; break;
            // Only an uncased vocabulary drops accents, so only the run's tokenizer knows this text is empty.
            case "lone accent": validation = [new("a good film", "positive"), new("\u0301", "negative")]; break;
            case "case variants": training[1] = training[1] with { Label = "Negative" }; break;
            case "unknown validation label": validation = [new("a good film", "positive"), new("a nice book", "Positive")]; break;
            case "empty validation": validation = []; break;
            case "label without examples": options = options with { Labels = ["negative", "neutral", "positive"] }; break;
            case "label not given": options = options with { Labels = ["negative", "neutral"] }; break;
            case "single examples": training = [new("a good film", "positive"), new("a bad film", "negative")]; break;
            case "max length": options = options with { MaxLength = 4 }; break;
            case "validation fraction": options = options with { ValidationFraction = 1 }; break;
            case "fine-tuning option": options = options with { FineTuning = options.FineTuning with { BatchSize = 0 } }; break;
            case "output inside artifacts": options = options with { OutputDirectory = Path.Combine(options.ArtifactsDirectory, "model") }; break;
            case "base model": options = options with { BaseModel = _root.Combine("no-such-base") }; Directory.CreateDirectory(options.BaseModel); break;
            case "label with a space": training[1] = training[1] with { Label = training[1].Label + " " }; break;
            case "label with a tab": validation = [new("a good film", "good\tbad")]; break;
            case "given label with a space": options = options with { Labels = ["negative", " positive"] }; break;
        }

        var error = Assert.ThrowsAny<UserInputException>(() => TextClassifierTrainer.Train(options, training, validation));

        Assert.Contains(expected, error.Message);
        Assert.False(Directory.Exists(_root.Combine("artifacts")), "the artifacts root was created");
        Assert.False(Directory.Exists(_root.Combine("models")), "the output root was created");
    }

    [Fact]
    public void ARunIsRefusedWhileAnotherSessionHoldsItsArtifactsDirectory()
    {
        var options = Options("locked");
        using (ArtifactsClaim.Acquire(options.ArtifactsDirectory))
        {
            var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, Reviews(10, 5)));
            Assert.StartsWith($"TextClassifierTrainingOptions.ArtifactsDirectory {options.ArtifactsDirectory}: another run (train, distill, export or a fine-tuning job) is training in it or writing to it", error.Message);
            Assert.False(Directory.Exists(options.ArtifactsDirectory));
            Assert.False(Directory.Exists(options.OutputDirectory));
        }
    }

    [Fact]
    public void ARunKilledWhileBeingSetUpStartsAgainInsteadOfBeingResumed()
    {
        var options = Options("half-set-up") with { FineTuning = PairsFineTuning };
        TrainingArtifacts.BeginSetup(options.ArtifactsDirectory);   // as a run killed before its first step leaves it

        var result = TextClassifierTrainer.Train(options, Reviews(10, 7));

        Assert.False(result.Resumed);
        Assert.False(File.Exists(Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.SetupMarkerFile)));
        Assert.Equal(["negative", "positive"], TrainingArtifacts.Open(options.ArtifactsDirectory).Properties.Labels);
    }

    /// <summary>
    /// A stop asked for before the graphs were built took effect only once they were built and written and the first
    /// step had saved a checkpoint, seconds later. It is looked at between the phases: nothing is written.
    /// </summary>
    [Fact]
    public void ACancelBeforeTheGraphsAreBuiltStopsThereWithNothingWritten()
    {
        var training = Reviews(10, 7);
        // Validation examples of one label only: the other's "no validation example" warning is said once the examples
        // are tokenized, just before the graphs are built.
        var validation = Reviews(2, 8).Where(e => e.Label == "positive").ToArray();
        var options = Options("stopped-before-building", TrainingMethod.Standard);
        using var cancel = new CancellationTokenSource();
        var observer = new RecordingObserver { OnMessageHook = m => { if (m.Contains("has no validation example", StringComparison.Ordinal)) cancel.Cancel(); } };

        Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Train(options, training, validation, observer, cancel.Token));

        Assert.Contains(observer.Messages, m => m.Contains("has no validation example", StringComparison.Ordinal));
        Assert.Empty(observer.TrainingStarts);
        Assert.Empty(observer.SavedCheckpoints);
        Assert.False(Directory.Exists(options.ArtifactsDirectory));
        Assert.False(Directory.Exists(options.OutputDirectory));
        // The call again trains a new run.
        Assert.False(TextClassifierTrainer.Train(options, training, validation).Resumed);
    }

    [Fact]
    public void ACancelledRunResumesOnTheNextCallAndTakesTheUninterruptedRunsSteps()
    {
        var training = Reviews(80, 6);
        var whole = new RecordingObserver();
        var uninterrupted = TextClassifierTrainer.Train(Options("whole"), training, observer: whole);

        using var cancel = new CancellationTokenSource();
        var first = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == 7) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Train(Options("resumed"), training, observer: first, cancellationToken: cancel.Token));
        Assert.False(Directory.Exists(Options("resumed").OutputDirectory));

        var second = new RecordingObserver();
        var resumed = TextClassifierTrainer.Train(Options("resumed"), training, observer: second);

        Assert.True(resumed.Resumed);
        Assert.Equal(uninterrupted.Method.Reason + "; resumed", resumed.Method.Reason);
        Assert.Equal(uninterrupted.Steps, resumed.Steps);
        long stoppedAt = second.Steps[0].Step - 1;
        Assert.Equal(whole.Steps.Where(s => s.Step > stoppedAt).Select(s => (s.Step, Math.Round(s.Loss, 5))),
            second.Steps.Select(s => (s.Step, Math.Round(s.Loss, 5))));
        Assert.Equal(uninterrupted.BestMetric, resumed.BestMetric);

        // Resumed with other labels, the run is refused, naming what it has.
        var relabelled = training.Select(e => e with { Label = e.Label == "positive" ? "good" : e.Label }).ToArray();
        var refused = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(Options("resumed"), relabelled));
        Assert.Contains($"differ from the run in {Options("resumed").ArtifactsDirectory}'s 'negative', 'positive'", refused.Message);
    }

    [Fact]
    public void AFinishedRunCalledAgainReturnsItsResultAndLeavesItsExportAndALoadedClassifierAlone()
    {
        var training = Reviews(80, 6);
        var options = Options("finished");
        var first = TextClassifierTrainer.Train(options, training);
        var modelPath = Path.Combine(first.OutputDirectory, ModelContract.ModelFile);
        var bytes = File.ReadAllBytes(modelPath);
        var card = File.ReadAllText(Path.Combine(first.OutputDirectory, "README.md"));
        // Set back, so a model written again within the clock's resolution cannot keep the same time by chance.
        var written = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(modelPath, written);
        using var classifier = TextClassifier.Load(first.OutputDirectory);

        var again = TextClassifierTrainer.Train(options, training);

        Assert.True(again.Resumed);
        Assert.Equal((first.Steps, first.BestStep, first.BestMetric), (again.Steps, again.BestStep, again.BestMetric));
        Assert.Equal(first.BestReport!.Metrics(), again.BestReport!.Metrics());
        Assert.Equal(bytes, File.ReadAllBytes(modelPath));
        Assert.Equal(written, File.GetLastWriteTimeUtc(modelPath));
        Assert.Equal(card, File.ReadAllText(Path.Combine(first.OutputDirectory, "README.md")));
        Assert.Equal(classifier.Predict("the food was great").Label, classifier.Explain("the food was great").Label);

        // Gone from its directory, or another model there, the finished run's model is exported again.
        Directory.Delete(first.OutputDirectory, recursive: true);
        TextClassifierTrainer.Train(options, training);
        Assert.Equal(bytes, File.ReadAllBytes(modelPath));
        var quantized = TextClassifierTrainer.Train(options with { QuantizeInt8 = true }, training);
        using var reloaded = TextClassifier.Load(quantized.OutputDirectory);
        Assert.Equal(ModelWeights.Int8, reloaded.Info.Weights);
    }

    /// <summary>Starts a run with <paramref name="options"/> and cancels it after <paramref name="steps"/> steps, leaving its checkpoint to resume.</summary>
    internal static void TrainAndCancel(TextClassifierTrainingOptions options, LabeledExample[] training, int steps)
    {
        using var cancel = new CancellationTokenSource();
        var observer = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == steps) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Train(options, training, observer: observer, cancellationToken: cancel.Token));
    }

    /// <summary>Every file under <paramref name="directory"/> with a hash of its bytes.</summary>
    internal static (string File, string Sha256)[] Contents(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(directory, f), Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))))
            .ToArray();

    [Fact]
    public void AResumedRunRefusesAnotherLearningRateBeforeAnyStepAndResumesWhenOnlyTheLoggingDiffers()
    {
        var training = Reviews(80, 6);
        var options = Options("settings", TrainingMethod.Standard);
        TrainAndCancel(options, training, steps: 4);
        var before = Contents(options.ArtifactsDirectory);
        Assert.Contains(before, f => f.File == Path.Combine(TrainingArtifacts.CheckpointDirectoryName, TrainingArtifacts.ModelCheckpointFile));

        var observer = new RecordingObserver();
        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(
            options with { FineTuning = options.FineTuning with { LearningRate = 1e-2 } }, training, observer: observer));

        Assert.Equal("FineTuningOptions.LearningRate", refused.Option);
        Assert.Equal(1e-2, refused.Value);
        Assert.Equal($"FineTuningOptions.LearningRate = 0.01: the run in {options.ArtifactsDirectory} began with 0.005, which a resumed run keeps; " +
            "train with what it has, or set ExistingRun to Replace to start a new run there", refused.Message);
        Assert.Empty(observer.Steps);
        Assert.Equal(before, Contents(options.ArtifactsDirectory));
        Assert.False(Directory.Exists(options.OutputDirectory));

        // How often steps are reported is not the run's: it resumes where it stopped and reports every fifth step.
        var resumedObserver = new RecordingObserver();
        var resumed = TextClassifierTrainer.Train(options with { FineTuning = options.FineTuning with { LogEverySteps = 5 } }, training, observer: resumedObserver);

        Assert.True(resumed.Resumed);
        Assert.Equal(5, resumedObserver.Steps[0].Step);
        Assert.DoesNotContain(resumedObserver.Steps, s => s.Step == 6);
        Assert.Contains(resumedObserver.Steps, s => s.Step == 10);
    }

    [Fact]
    public void AResumedContrastiveRunRefusesOtherContrastiveSettingsUnlessItHasNoRecordOfThem()
    {
        var training = Reviews(10, 7);
        var options = Options("pairs", TrainingMethod.Contrastive);
        TrainAndCancel(options, training, steps: 2);
        var before = Contents(options.ArtifactsDirectory);
        var faster = options with { Contrastive = options.Contrastive with { LearningRate = 1e-2 } };

        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(faster, training));

        Assert.Equal("ContrastiveOptions.LearningRate", refused.Option);
        Assert.Contains("began with 0.001, which a resumed run keeps", refused.Message);
        Assert.Equal(before, Contents(options.ArtifactsDirectory));
        // The seed holds out its validation part, so it is kept too; standard fine-tuning's epochs it never reads, and
        // refuses rather than drops, naming its own.
        var reseeded = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(
            options with { FineTuning = options.FineTuning with { Seed = options.FineTuning.Seed + 1 } }, training));
        Assert.Equal("FineTuningOptions.Seed", reseeded.Option);
        Assert.Equal(before, Contents(options.ArtifactsDirectory));
        var moreStandardEpochs = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(
            options with { FineTuning = options.FineTuning with { Epochs = options.FineTuning.Epochs + 2 } }, training));
        Assert.Equal("FineTuningOptions.Epochs", moreStandardEpochs.Option);
        Assert.EndsWith($"applies to standard fine-tuning; the run in {options.ArtifactsDirectory} trains contrastively; contrastive training reads ContrastiveOptions.Epochs instead",
            moreStandardEpochs.Message);
        Assert.Equal(before, Contents(options.ArtifactsDirectory));
        Assert.False(Directory.Exists(options.OutputDirectory));

        // A run without the record (artifacts from before 2026-12-04, or made by hand) resumes with the settings given.
        File.Delete(Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.SettingsRecordFile));
        var resumed = TextClassifierTrainer.Train(faster, training);

        Assert.True(resumed.Resumed);
        Assert.Equal(TrainingMethod.Contrastive, resumed.Method.Method);
    }

    public static TheoryData<string, string> BadBaseModels => new()
    {
        { "file", "is a file; give the base model's directory, which holds model.onnx and vocab.txt" },
        { "missing", "the directory {0} does not exist" },
        { "exported", "is an exported OrtAgent classifier, not a base encoder; give the directory of the base model it was trained from (tiny-bert)" },
        { "no vocabulary", "has no vocab.txt" },
        // The tokenizer's refusal of the file escaped as an InvalidDataException, naming no option.
        { "empty vocabulary", "{0}/vocab.txt is empty; a vocab.txt lists the model's WordPiece tokens, one a line" },
        { "vocabulary without [UNK]", "{0}/vocab.txt has no [UNK] line; a BERT vocab.txt lists its special tokens" },
    };

    /// <summary>Each mistake in the base model names the option, the value given and what is wrong, before anything is written.</summary>
    [Theory]
    [MemberData(nameof(BadBaseModels))]
    public void ABadBaseModelIsRefusedNamingTheOption(string mistake, string expected)
    {
        string path = _root.Combine("bad-base");
        switch (mistake)
        {
            case "file": File.WriteAllText(path, "not a model\n"); break;
            case "missing": break;
            case "exported":
                // An export's model.onnx carries OrtAgent metadata, as ModelExporter writes it.
                Directory.CreateDirectory(path);
                var model = Onnx.OnnxModel.Load(Path.Combine(_base, ModelContract.ModelFile));
                model.Metadata[ModelContract.BaseModelKey] = "tiny-bert";
                model.Save(Path.Combine(path, ModelContract.ModelFile));
                File.Copy(Path.Combine(_base, ModelContract.VocabularyFile), Path.Combine(path, ModelContract.VocabularyFile));
                break;
            case "no vocabulary":
                Directory.CreateDirectory(path);
                File.Copy(Path.Combine(_base, ModelContract.ModelFile), Path.Combine(path, ModelContract.ModelFile));
                break;
            case "empty vocabulary" or "vocabulary without [UNK]":
                Directory.CreateDirectory(path);
                foreach (var file in Directory.GetFiles(_base)) File.Copy(file, Path.Combine(path, Path.GetFileName(file)));
                var vocabulary = Path.Combine(path, ModelContract.VocabularyFile);
                if (mistake == "empty vocabulary") File.WriteAllBytes(vocabulary, []);
                else File.WriteAllLines(vocabulary, File.ReadAllLines(vocabulary).Select(token => token == "[UNK]" ? "[UNUSED]" : token));
                break;
        }

        var error = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(Options("refused") with { BaseModel = path }, Reviews(10, 4)));

        Assert.Equal("TextClassifierTrainingOptions.BaseModel", error.Option);
        Assert.Equal(path, error.Value);
        Assert.StartsWith($"TextClassifierTrainingOptions.BaseModel = '{path}': ", error.Message);
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, path), error.Message);
        Assert.False(Directory.Exists(_root.Combine("artifacts")), "the artifacts root was created");
    }

    /// <summary>Relative directories come back, and appear in messages, as the full paths the run claimed.</summary>
    [Fact]
    public void RelativeDirectoriesAreReturnedAsFullPaths()
    {
        var options = Options("relative", TrainingMethod.Contrastive);
        options = options with
        {
            ArtifactsDirectory = Path.GetRelativePath(Environment.CurrentDirectory, options.ArtifactsDirectory),
            OutputDirectory = Path.GetRelativePath(Environment.CurrentDirectory, options.OutputDirectory),
        };
        Assert.False(Path.IsPathRooted(options.ArtifactsDirectory));

        var result = TextClassifierTrainer.Train(options, Reviews(10, 8));

        Assert.Equal(Options("relative").ArtifactsDirectory, result.ArtifactsDirectory);
        Assert.Equal(Options("relative").OutputDirectory, result.OutputDirectory);
        var relabelled = Reviews(10, 8).Select(e => e with { Label = e.Label == "positive" ? "good" : e.Label }).ToArray();
        var refused = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, relabelled));
        Assert.Contains($"differ from the run in {Options("relative").ArtifactsDirectory}'s", refused.Message);
    }

    /// <summary>
    /// Opening a run recovers a checkpoint save cut short (checkpoint.old back to checkpoint), a write: it waits for the
    /// claim, so a call refused because another holds the run leaves checkpoint.old where it is; once the claim is free
    /// the run is recovered and resumed, not started over.
    /// </summary>
    [Fact]
    public void ACheckpointSaveCutShortIsLeftAloneWhileTheRunIsClaimedAndResumedOnceItIsFree()
    {
        var training = Reviews(10, 9);
        var options = Options("swap", TrainingMethod.Contrastive);
        TrainAndCancel(options, training, steps: 2);
        string checkpoint = Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.CheckpointDirectoryName);
        Directory.Move(checkpoint, checkpoint + ".old");   // as a kill between the save's two renames leaves it

        using (ArtifactsClaim.Acquire(options.ArtifactsDirectory))
        {
            var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, training));
            Assert.StartsWith($"TextClassifierTrainingOptions.ArtifactsDirectory {options.ArtifactsDirectory}: another run (train, distill, export or a fine-tuning job) is training in it or writing to it", error.Message);
            Assert.True(Directory.Exists(checkpoint + ".old"));
            Assert.False(Directory.Exists(checkpoint));
        }

        var resumed = TextClassifierTrainer.Train(options, training);
        Assert.True(resumed.Resumed);
    }

    /// <summary>
    /// Two runs with their own artifacts exporting to one directory each replaced the other's model, the last silently
    /// winning: the output is claimed for the run, and a second claim on it is refused naming it.
    /// </summary>
    /// <summary>A directory whose parent is a file is refused naming the option, not the lock file the run would take beside it.</summary>
    [Theory]
    [InlineData(nameof(TextClassifierTrainingOptions.ArtifactsDirectory))]
    [InlineData(nameof(TextClassifierTrainingOptions.OutputDirectory))]
    public void ADirectoryUnderAFileIsRefusedNamingItsOption(string property)
    {
        string file = _root.Combine("a-file");
        File.WriteAllText(file, "not a directory\n");
        var options = Options("under-file");
        options = property == nameof(TextClassifierTrainingOptions.ArtifactsDirectory)
            ? options with { ArtifactsDirectory = Path.Combine(file, "run") }
            : options with { OutputDirectory = Path.Combine(file, "model") };

        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options, Reviews(20, 3)));

        Assert.StartsWith($"TextClassifierTrainingOptions.{property} = '{Path.Combine(file, property == "OutputDirectory" ? "model" : "run")}'", refused.Message);
        Assert.Contains($"'{file}' is a file, not a directory", refused.Message);
        Assert.False(Directory.Exists(_root.Combine("artifacts", "under-file")));
        Assert.False(Directory.Exists(_root.Combine("models", "under-file")));
    }

    [Fact]
    public void ARunIsRefusedWhileAnotherRunClaimsItsOutputDirectory()
    {
        var options = Options("shared-output");
        using (ClaimedDirectories.ClaimOutput(options.OutputDirectory, "TextClassifierTrainingOptions.OutputDirectory"))
        {
            var second = Assert.Throws<UserInputException>(() => ClaimedDirectories.ClaimOutput(options.OutputDirectory + "/", "TextClassifierTrainingOptions.OutputDirectory"));
            var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options with { ArtifactsDirectory = _root.Combine("artifacts", "other") }, Reviews(10, 5)));

            string expected = $"TextClassifierTrainingOptions.OutputDirectory {options.OutputDirectory}: another run (train, distill, export or a fine-tuning job) is writing to it";
            Assert.StartsWith(expected, second.Message);
            Assert.StartsWith(expected, error.Message);
            Assert.False(Directory.Exists(_root.Combine("artifacts", "other")));
            Assert.False(Directory.Exists(options.OutputDirectory));
            // The refused run let go of the artifacts it had claimed before it reached the output.
            using (ArtifactsClaim.Acquire(_root.Combine("artifacts", "other"))) { }
        }
    }
}
