using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// The facade's options beyond the basics, each mapped onto what <c>ortagent train</c> does with it, on a tiny BERT:
/// the effect is seen in the export or the artifacts, a bad value is refused naming the option before anything is
/// written, and a resumed call keeps what the run was built with. Where a run starts from (<c>InitFrom</c>) is
/// <see cref="TextClassifierTrainerInitFromTests"/>'s.
/// </summary>
public sealed class TextClassifierTrainerOptionsTests() : TinyBertTrainerTestBase("text-classifier-trainer-options")
{
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

    /// <summary>
    /// A MaxLength above the encoder's positions is capped, as documented, but it was capped without a word: the
    /// observer is told, and the result says the length the model was trained with.
    /// </summary>
    [Fact]
    public void AMaxLengthAboveTheEncodersPositionsIsCappedAndSaid()
    {
        var observer = new RecordingObserver();
        var options = Options("capped", TrainingMethod.Standard) with { MaxLength = 128, FineTuning = Options("capped", TrainingMethod.Standard).FineTuning with { Epochs = 1 } };

        var result = TextClassifierTrainer.Train(options, Reviews(10, 3), observer: observer);

        // The tiny base has 64 positions.
        Assert.Contains("TextClassifierTrainingOptions.MaxLength 128 is more than the 64 positions of the encoder trained: texts are cut at 64 tokens, [CLS] and [SEP] included.",
            observer.Messages);
        Assert.Equal(64, result.MaxLength);
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Equal(result.MaxLength, classifier.Info.MaxLength);
    }

    /// <summary>Weighted 1 and 5, the same run's first loss differs from the unweighted one's, and the artifacts record the weights.</summary>
    [Fact]
    public void ClassWeightsReachTheLossAndTheArtifacts()
    {
        var training = Reviews(80, 2);
        var plain = new RecordingObserver();
        var weighted = new RecordingObserver();
        var standard = Options("plain", TrainingMethod.Standard) with { FineTuning = Options("plain").FineTuning with { Epochs = 1 } };
        TextClassifierTrainer.Train(standard, training, observer: plain);

        var result = TextClassifierTrainer.Train(standard with
        {
            ArtifactsDirectory = _root.Combine("artifacts", "weighted"),
            OutputDirectory = _root.Combine("models", "weighted"),
            ClassWeights = ClassWeighting.InLabelOrder(1f, 5f),
        }, training, observer: weighted);

        Assert.Equal([1f, 5f], TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.ClassWeights);
        Assert.NotEqual(Math.Round(plain.Steps[0].Loss, 4), Math.Round(weighted.Steps[0].Loss, 4));
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Equal(["negative", "positive"], classifier.Labels);
    }

    /// <summary>
    /// A validation set all of a class weighted 0 has a weighted loss of 0/0: the library refused that metric at export,
    /// after the whole run. The model is exported without it, with a warning naming it, as the command line does.
    /// </summary>
    [Fact]
    public void AValidationLossThatIsNotANumberIsLeftOutOfTheExportWithAWarning()
    {
        var observer = new RecordingObserver();
        var options = Options("unrecordable", TrainingMethod.Standard) with
        {
            FineTuning = Options("unrecordable").FineTuning with { Epochs = 1 },
            ClassWeights = ClassWeighting.ByLabel(new Dictionary<string, float> { ["negative"] = 0f, ["positive"] = 1f }),
        };
        var validation = Reviews(10, 5).Where(e => e.Label == "negative").ToArray();

        var result = TextClassifierTrainer.Train(options, Reviews(40, 4), validation, observer);

        Assert.Contains("warning: the validation metric 'loss' is NaN, which the model's metadata cannot record; the model is exported without it", observer.Messages);
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.DoesNotContain("loss", classifier.Info.Metrics!.Keys);
        Assert.Contains("accuracy", classifier.Info.Metrics.Keys);
    }

    /// <summary>
    /// A base whose weights hold a NaN gives a NaN loss at the first step. That step was applied, every later step and
    /// evaluation was NaN, and the run exported a model that answers nothing. Now it stops at that step, before its
    /// update, naming the step and the option to lower; nothing is exported. Both methods alike.
    /// </summary>
    [Theory]
    [InlineData(TrainingMethod.Standard)]
    [InlineData(TrainingMethod.Contrastive)]
    public void ALossThatIsNotANumberStopsTheRunBeforeItsStepIsApplied(TrainingMethod method)
    {
        var poisoned = _root.Combine("poisoned-base");
        TinyBertBuilder.WriteBaseModelWithNaNWeights(poisoned);
        var options = Options($"diverged-{method}", method) with { BaseModel = poisoned };

        var error = Assert.Throws<TrainingDivergedException>(() => TextClassifierTrainer.Train(options, Reviews(10, 6)));

        Assert.Equal(1, error.Step);
        Assert.True(double.IsNaN(error.Loss));
        Assert.True(error.BeforeAnyUpdate);
        Assert.Equal("the training loss at step 1 is NaN, before any update: the model trained from holds weights that are not numbers; start from another", error.Message);
        Assert.False(Directory.Exists(options.OutputDirectory), "a model was exported");
    }

    [Fact]
    public void BalancedClassWeightsFollowTheTrainingCounts()
    {
        // 90 negative, 30 positive; a tenth of each held out: 81 and 27 train, so n / (k · n_c) is 108/162 and 108/54.
        var training = Reviews(90, 3).Where((e, i) => e.Label == "negative" || i % 6 == 0).ToArray();
        var options = Options("balanced", TrainingMethod.Standard) with { ClassWeights = ClassWeighting.Balanced };
        options = options with { FineTuning = options.FineTuning with { Epochs = 1 } };

        var result = TextClassifierTrainer.Train(options, training);

        Assert.Equal((81 + 27, 9 + 3), (result.TrainingExamples, result.ValidationExamples));
        var weights = TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.ClassWeights!;
        Assert.Equal(108f / 162f, weights[0], 5);
        Assert.Equal(108f / 54f, weights[1], 5);
    }

    /// <summary>A required option left null printed as the text 'null', quoted as a value given.</summary>
    [Fact]
    public void ARequiredOptionLeftNullIsSaidUnquoted()
    {
        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(Options("no-base", TrainingMethod.Standard) with { BaseModel = null! }, Reviews(10, 2)));

        Assert.Equal("TextClassifierTrainingOptions.BaseModel = null: is required", refused.Message);
        Assert.Null(refused.Value);
        AssertNothingWritten();
    }

    public static TheoryData<string, string> BadClassWeights => new()
    {
        { "count", "TextClassifierTrainingOptions.ClassWeights = '1,2,3': 3 weights for 2 labels ('negative', 'positive', in this order)" },
        { "name", "TextClassifierTrainingOptions.ClassWeights = 'neutral=2': no label 'neutral' in the training data; its labels are 'negative', 'positive'" },
        { "negative", "TextClassifierTrainingOptions.ClassWeights = '1,-1': weight -1 must be a finite number, 0 or more" },
        { "zero", "TextClassifierTrainingOptions.ClassWeights = '0,0': the weights are all zero" },
        { "null", "TextClassifierTrainingOptions.ClassWeights = null: is required" },
        { "contrastive", "TextClassifierTrainingOptions.ClassWeights = 'balanced': applies to standard fine-tuning, not to TextClassifierTrainingOptions.Method = Contrastive" },
        { "auto", "TextClassifierTrainingOptions.ClassWeights = 'balanced': applies to standard fine-tuning; TextClassifierTrainingOptions.Method = Auto chose contrastive (auto: the smallest class has 9 training examples, fewer than 64), so pass TextClassifierTrainingOptions.Method = Standard to use it" },
    };

    [Theory]
    [MemberData(nameof(BadClassWeights))]
    public void BadClassWeightsAreRefusedNamingTheOptionBeforeAnythingIsWritten(string mistake, string expected)
    {
        var options = Options("refused", TrainingMethod.Standard);
        options = mistake switch
        {
            "count" => options with { ClassWeights = ClassWeighting.InLabelOrder(1f, 2f, 3f) },
            "name" => options with { ClassWeights = ClassWeighting.ByLabel(new Dictionary<string, float> { ["neutral"] = 2f }) },
            "negative" => options with { ClassWeights = ClassWeighting.InLabelOrder(1f, -1f) },
            "zero" => options with { ClassWeights = ClassWeighting.InLabelOrder(0f, 0f) },
            "null" => options with { ClassWeights = null! },
            "contrastive" => options with { ClassWeights = ClassWeighting.Balanced, Method = TrainingMethod.Contrastive },
            _ => options with { ClassWeights = ClassWeighting.Balanced, Method = TrainingMethod.Auto },
        };

        var error = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options, Reviews(10, 4)));

        Assert.Equal("TextClassifierTrainingOptions.ClassWeights", error.Option);
        Assert.StartsWith(expected, error.Message);
        AssertNothingWritten();
    }

    public static TheoryData<string, TrainingMethod, string> UnreadFineTuning => new()
    {
        { "Epochs", TrainingMethod.Contrastive, "FineTuningOptions.Epochs = 5: applies to standard fine-tuning, not to TextClassifierTrainingOptions.Method = Contrastive " +
            "(which trains pairs, then fits its head on the frozen embeddings); contrastive training reads ContrastiveOptions.Epochs instead" },
        { "LearningRate", TrainingMethod.Auto, "FineTuningOptions.LearningRate = 0.01: applies to standard fine-tuning; TextClassifierTrainingOptions.Method = Auto chose contrastive " +
            "(auto: the smallest class has 9 training examples, fewer than 64), so pass TextClassifierTrainingOptions.Method = Standard to use it; contrastive training reads ContrastiveOptions.LearningRate instead" },
        { "MinimumValidationToSelect", TrainingMethod.Contrastive, "FineTuningOptions.MinimumValidationToSelect = 0: applies to standard fine-tuning, not to TextClassifierTrainingOptions.Method = Contrastive " +
            "(which trains pairs, then fits its head on the frozen embeddings); contrastive training reads ContrastiveOptions.MinimumValidationToSelect instead" },
        { "Patience", TrainingMethod.Contrastive, "FineTuningOptions.Patience = 0: applies to standard fine-tuning, not to TextClassifierTrainingOptions.Method = Contrastive " +
            "(which trains pairs, then fits its head on the frozen embeddings)" },
        { "Scheduler", TrainingMethod.Auto, "FineTuningOptions.Scheduler = Cosine: applies to standard fine-tuning; TextClassifierTrainingOptions.Method = Auto chose contrastive " +
            "(auto: the smallest class has 9 training examples, fewer than 64), so pass TextClassifierTrainingOptions.Method = Standard to use it" },
    };

    /// <summary>
    /// A contrastive run reads only the seed and the metric of the standard loop's settings: another one away from its
    /// default is refused before anything is written, as train refuses its flag, naming the contrastive setting to use.
    /// </summary>
    [Theory]
    [MemberData(nameof(UnreadFineTuning))]
    public void AContrastiveRunRefusesAStandardLoopSettingItDoesNotRead(string setting, TrainingMethod method, string expected)
    {
        var fineTuning = TextClassifierTrainerTests.PairsFineTuning;
        fineTuning = setting switch
        {
            "Epochs" => fineTuning with { Epochs = 5 },
            "LearningRate" => fineTuning with { LearningRate = 1e-2 },
            "MinimumValidationToSelect" => fineTuning with { MinimumValidationToSelect = 0 },
            "Patience" => fineTuning with { Patience = 0 },
            _ => fineTuning with { Scheduler = LearningRateScheduleKind.Cosine },
        };

        var error = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(Options("refused", method) with { FineTuning = fineTuning }, Reviews(10, 4)));

        Assert.Equal($"FineTuningOptions.{setting}", error.Option);
        Assert.Equal(expected, error.Message);
        AssertNothingWritten();
    }

    /// <summary>The settings it reads, another seed and metric, train contrastively; so does every standard setting at its default.</summary>
    [Fact]
    public void AContrastiveRunTakesTheSeedAndMetricOfTheStandardLoopsSettings()
    {
        var options = Options("pairs-seed", TrainingMethod.Contrastive) with { FineTuning = new FineTuningOptions { Seed = 9, Metric = ValidationMetric.MacroF1 } };

        var result = TextClassifierTrainer.Train(options, Reviews(10, 4));

        Assert.Equal(TrainingMethod.Contrastive, result.Method.Method);
        Assert.Equal(ValidationMetric.MacroF1, result.Metric);
    }

    /// <summary>
    /// One seed by default, as <c>train --seed 7</c> sets both: a contrastive run given only <c>FineTuning.Seed = 7</c>
    /// drew its pairs with ContrastiveOptions.Seed's 42, so it trained another model than the command line's.
    /// </summary>
    [Fact]
    public void AContrastiveRunDrawsItsPairsWithTheFineTuningSeedUnlessItsOwnIsSet()
    {
        var training = Reviews(10, 4);
        var options = Options("one-seed", TrainingMethod.Contrastive) with { FineTuning = new FineTuningOptions { Seed = 7 } };
        var pairs = new Training.Contrastive.ContrastiveOptions { PairRounds = 2, BatchSize = 16, LearningRate = 1e-3, MinimumSteps = 0 };

        var unset = TextClassifierTrainer.Train(options with { Contrastive = pairs }, training);
        var asTheCommandLine = TextClassifierTrainer.Train(options with
        {
            ArtifactsDirectory = _root.Combine("artifacts", "both-seeds"), OutputDirectory = _root.Combine("models", "both-seeds"),
            Contrastive = pairs with { Seed = 7 },
        }, training);

        Assert.Equal(File.ReadAllBytes(Path.Combine(asTheCommandLine.OutputDirectory, ModelContract.ModelFile)),
            File.ReadAllBytes(Path.Combine(unset.OutputDirectory, ModelContract.ModelFile)));
        Assert.Equal(7, RecordedSettings.Read(unset.ArtifactsDirectory)!.Contrastive.Seed);
    }

    /// <summary>A resumed standard run keeps the weights its loss was built with; a resumed contrastive run refuses any.</summary>
    [Fact]
    public void AResumedRunRefusesOtherClassWeights()
    {
        var training = Reviews(80, 5);
        var options = Options("weights-resumed", TrainingMethod.Standard) with { ClassWeights = ClassWeighting.InLabelOrder(1f, 2f) };
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 2);
        var before = TextClassifierTrainerTests.Contents(options.ArtifactsDirectory);

        var unweighted = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options with { ClassWeights = ClassWeighting.None }, training));

        Assert.Equal("TextClassifierTrainingOptions.ClassWeights", unweighted.Option);
        Assert.Equal($"TextClassifierTrainingOptions.ClassWeights = 'none': the run in {options.ArtifactsDirectory} was built with negative 1, positive 2; " +
            "train with what it has, or set ExistingRun to Replace to start a new run there", unweighted.Message);
        Assert.Equal(before, TextClassifierTrainerTests.Contents(options.ArtifactsDirectory));
        Assert.True(TextClassifierTrainer.Train(options, training).Resumed);

        var pairs = Options("pairs-resumed", TrainingMethod.Contrastive);
        TextClassifierTrainerTests.TrainAndCancel(pairs, Reviews(10, 6), steps: 2);
        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(pairs with { Method = TrainingMethod.Auto, ClassWeights = ClassWeighting.Balanced }, Reviews(10, 6)));
        Assert.EndsWith($"applies to standard fine-tuning; the run in {pairs.ArtifactsDirectory} trains contrastively", refused.Message);
    }

    /// <summary>Options of a standard run of one epoch, named <paramref name="name"/>.</summary>
    private TextClassifierTrainingOptions Standard(string name)
    {
        var options = Options(name, TrainingMethod.Standard);
        return options with { FineTuning = options.FineTuning with { Epochs = 1 } };
    }

    /// <summary>
    /// A batch all of a class weighted 0 has a weighted loss of 0/0: told as the class weights' doing, not as a model
    /// with NaN weights or a learning rate too high.
    /// </summary>
    [Fact]
    public void ABatchAllOfAClassWeightedZeroIsToldAsTheClassWeightsDoing()
    {
        var options = Standard("zero-weighted") with
        {
            FineTuning = Standard("zero-weighted").FineTuning with { BatchSize = 1 },
            ClassWeights = ClassWeighting.InLabelOrder(0f, 1f),
        };

        var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, Reviews(20, 23)));

        Assert.IsNotType<TrainingDivergedException>(error);
        Assert.Matches(@"^the examples of step \d+ are all of classes weighted 0 \(TrainingArtifactsOptions.ClassWeights\), so its weighted loss is 0/0; ", error.Message);
        Assert.False(Directory.Exists(options.OutputDirectory));
    }

    /// <summary>With LoRA only the adapters and the head train, every base weight frozen; the merged export loads.</summary>
    [Fact]
    public void LoraTrainsOnlyTheAdaptersAndTheHeadAndTheExportLoads()
    {
        var training = Reviews(80, 10);
        var full = TrainingArtifacts.Open(TextClassifierTrainer.Train(Standard("full"), training).ArtifactsDirectory).Properties;

        var result = TextClassifierTrainer.Train(Standard("lora") with { Lora = new LoraOptions { Rank = 2, Targets = LoraTargets.Query | LoraTargets.Value } }, training);

        var properties = TrainingArtifacts.Open(result.ArtifactsDirectory).Properties;
        Assert.Equal(2, properties.Lora!.Rank);
        Assert.All(properties.TrainableParameters, name => Assert.True(LoraParameterNames.IsAdapter(name) || name is ClassifierHead.WeightName or ClassifierHead.BiasName, name));
        Assert.Contains(properties.TrainableParameters, LoraParameterNames.IsAdapter);
        Assert.DoesNotContain(full.TrainableParameters, LoraParameterNames.IsAdapter);
        // Two layers' query and value adapters (A and B each) and the head's weight and bias, where full fine-tuning trains every tensor.
        Assert.Equal((10, 0), (properties.TrainableParameters.Count, full.FrozenParameters.Count));
        Assert.True(full.TrainableParameters.Count > 30, $"{full.TrainableParameters.Count} tensors trained without LoRA");
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Contains(classifier.Predict("the food was great").Label, result.Labels);
    }

    [Fact]
    public void PoolingAndFrozenLayersReachTheArtifacts()
    {
        var result = TextClassifierTrainer.Train(Standard("cls") with { Pooling = PoolingMode.Cls, FreezeLayers = "0" }, Reviews(80, 11));

        var properties = TrainingArtifacts.Open(result.ArtifactsDirectory).Properties;
        Assert.Equal("cls", properties.Pooling);
        Assert.Equal(LayerPatterns("0"), properties.Freeze);
        Assert.NotEmpty(properties.FrozenParameters);
        Assert.All(properties.FrozenParameters, name => Assert.Contains("layer.0.", name));
        Assert.DoesNotContain(properties.TrainableParameters, name => name.Contains("layer.0.", StringComparison.Ordinal));
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Contains(classifier.Predict("the food was great").Label, result.Labels);
    }

    private static IReadOnlyList<string> LayerPatterns(string range) => OrtAgent.Training.Parameters.LayerRange.ToPatterns(range);

    public static TheoryData<string, string, string> BadModelOptions => new()
    {
        { "lora rank", "LoraOptions.Rank", "LoraOptions.Rank = 0: must be between 1 and 1024" },
        { "lora and freeze", "TextClassifierTrainingOptions.FreezeLayers", "TextClassifierTrainingOptions.FreezeLayers = '0': does not combine with TextClassifierTrainingOptions.Lora, which freezes every base weight already and trains only the adapters and the head; drop TextClassifierTrainingOptions.FreezeLayers, or train without LoRA" },
        { "lora contrastive", "TextClassifierTrainingOptions.Lora", "TextClassifierTrainingOptions.Lora = 'rank 8, α 8, dropout 0, targets query,value': applies to standard fine-tuning; TextClassifierTrainingOptions.Method = Auto chose contrastive" },
        { "pooling contrastive", "TextClassifierTrainingOptions.Pooling", "TextClassifierTrainingOptions.Pooling = Cls: applies to standard fine-tuning, not to TextClassifierTrainingOptions.Method = Contrastive" },
        { "pooling undefined", "TextClassifierTrainingOptions.Pooling", "TextClassifierTrainingOptions.Pooling = 7: must be Mean, Cls or Pooler" },
        { "layer range", "TextClassifierTrainingOptions.FreezeLayers", "TextClassifierTrainingOptions.FreezeLayers = '3-1':" },
        { "blank pattern", "TextClassifierTrainingOptions.Freeze", "TextClassifierTrainingOptions.Freeze = 'embeddings.*, ': holds an empty pattern" },
    };

    [Theory]
    [MemberData(nameof(BadModelOptions))]
    public void BadLoraPoolingOrFreezingIsRefusedNamingTheOptionBeforeAnythingIsWritten(string mistake, string option, string expected)
    {
        var options = Options("refused");
        options = mistake switch
        {
            "lora rank" => options with { Lora = new LoraOptions { Rank = 0 } },
            "lora and freeze" => options with { Lora = new LoraOptions(), FreezeLayers = "0" },
            "lora contrastive" => options with { Lora = new LoraOptions() },
            "pooling contrastive" => options with { Pooling = PoolingMode.Cls, Method = TrainingMethod.Contrastive },
            "pooling undefined" => options with { Pooling = (PoolingMode)7 },
            "layer range" => options with { FreezeLayers = "3-1" },
            _ => options with { Freeze = ["embeddings.*", " "] },
        };

        var error = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options, Reviews(10, 12)));

        Assert.Equal(option, error.Option);
        Assert.StartsWith(expected, error.Message);
        AssertNothingWritten();
    }

    /// <summary>A pattern that matches no parameter is refused as the graphs are built, before the artifacts directory is made.</summary>
    [Fact]
    public void AFreezePatternMatchingNoParameterIsRefusedBeforeAnythingIsWritten()
    {
        var error = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(Options("refused") with { Freeze = ["decoder.*"], FineTuning = TextClassifierTrainerTests.PairsFineTuning }, Reviews(10, 14)));

        // Named as the facade's own option, beginning with it, as every option's refusal does.
        Assert.StartsWith("TextClassifierTrainingOptions.Freeze = 'decoder.*': matches no parameter of the model", error.Message);
        AssertNothingWritten();
    }

    /// <summary>A resumed run keeps its adapters, pooling and frozen parameters: another value of each is refused before any step.</summary>
    [Fact]
    public void AResumedRunRefusesOtherAdaptersPoolingOrFreezing()
    {
        var training = Reviews(80, 13);
        var lora = Standard("lora-resumed") with { Lora = new LoraOptions { Rank = 2 } };
        TextClassifierTrainerTests.TrainAndCancel(lora, training, steps: 2);
        var frozen = Standard("frozen-resumed") with { Pooling = PoolingMode.Cls, FreezeLayers = "0" };
        TextClassifierTrainerTests.TrainAndCancel(frozen, training, steps: 2);

        var refused = new[]
        {
            Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(lora with { Lora = null }, training)),
            Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(lora with { Lora = new LoraOptions { Rank = 4 } }, training)),
            Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(frozen with { Pooling = PoolingMode.Mean }, training)),
            Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(frozen with { FreezeLayers = null }, training)),
        };

        Assert.Equal(["TextClassifierTrainingOptions.Lora", "TextClassifierTrainingOptions.Lora", "TextClassifierTrainingOptions.Pooling", "TextClassifierTrainingOptions.Freeze"],
            refused.Select(e => e.Option));
        Assert.EndsWith($"the run in {lora.ArtifactsDirectory} has adapters of rank 2, α 2, dropout 0, targets query,value; " +
            "train with what it has, or set ExistingRun to Replace to start a new run there", refused[0].Message);
        Assert.Contains($"the run in {frozen.ArtifactsDirectory} pools with cls", refused[2].Message);
        Assert.Contains($"the run in {frozen.ArtifactsDirectory} freezes {string.Join(", ", LayerPatterns("0"))}", refused[3].Message);
        Assert.True(TextClassifierTrainer.Train(lora, training).Resumed);
        Assert.True(TextClassifierTrainer.Train(frozen, training).Resumed);
    }
}
