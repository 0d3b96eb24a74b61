using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.Tests.TextClassifiers;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests;

/// <summary>
/// A run's artifacts and its exports record the SHA-256 of the tokens of their <c>vocab.txt</c>, and every reader holds
/// the file to it: another vocabulary of the same size, or the same tokens reordered by hand, passed the token count and
/// was read through the wrong ids by the model (<c>TextClassifier.Load</c>), a run started from it (<c>--init-from</c>),
/// a student (<c>distill --teacher</c>) and a model exported from the run (its artifacts' copy, which the export ships;
/// a resumed run tokenizes with its base's <c>vocab.txt</c>, held to the same digest: TrainResumeTests).
/// </summary>
public sealed class VocabularyDigestTests : IDisposable
{
    private readonly TempDirectory _root = new("vocabulary-digest");
    private readonly TrainingArtifacts _artifacts;
    private readonly string _model;

    public VocabularyDigestTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
        _model = _root.Combine("model");
        ModelExporter.Export(_artifacts, SafeTensorsReader.Read(_artifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false }, _model);
    }

    public void Dispose() => _root.Dispose();

    private string ModelVocabulary => Path.Combine(_model, ModelContract.VocabularyFile);

    private string ModelRefusal => $"{ModelVocabulary}: is not the vocabulary model.onnx was trained with: its tokens are not the ones, in the order, "
        + "whose SHA-256 the model records ('ortagent.vocabulary_sha256'), so the model would read every text through the wrong ids; "
        + "is it another model's, or an edited copy?";

    /// <summary>Two tokens change places: as many tokens, every other one where it was, and the model reads those two as each other.</summary>
    private static void SwapTheLastTwoTokens(string vocabPath)
    {
        var lines = File.ReadAllLines(vocabPath);
        (lines[^1], lines[^2]) = (lines[^2], lines[^1]);
        File.WriteAllLines(vocabPath, lines);
    }

    [Fact]
    public void TheRunAndItsExportRecordTheDigestOfTheVocabularysTokens()
    {
        var digest = VocabularyFit.DigestOf(File.ReadAllBytes(ModelVocabulary));

        Assert.Equal(digest, OnnxModel.ReadMetadata(Path.Combine(_model, ModelContract.ModelFile))[ModelContract.VocabularySha256Key]);
        Assert.Equal(digest, TrainingArtifacts.Open(_artifacts.Directory).Properties.VocabularySha256);
        using var classifier = TextClassifier.Load(_model);
        Assert.Equal(digest, classifier.Info.VocabularySha256);
    }

    /// <summary>Every way a run is exported records the digest: int8 weights, a student's distillation, a contrastive head, LoRA adapters merged.</summary>
    [Theory]
    [InlineData("int8")]
    [InlineData("distilled")]
    [InlineData("contrastive")]
    [InlineData("lora")]
    public void EveryKindOfExportRecordsTheDigest(string kind)
    {
        var options = new TrainingArtifactsOptions { BaseModel = _root.Combine("base"), Labels = ["no", "yes"] };
        options = kind switch
        {
            "distilled" => new TrainingArtifactsOptions { BaseModel = options.BaseModel, Labels = options.Labels, Loss = OrtAgent.Training.Losses.LossKind.Distillation },
            "contrastive" => new TrainingArtifactsOptions { BaseModel = options.BaseModel, Labels = options.Labels, Objective = TrainingObjective.PairSimilarity },
            "lora" => new TrainingArtifactsOptions { BaseModel = options.BaseModel, Labels = options.Labels, Lora = new OrtAgent.Training.Adapters.LoraOptions { Rank = 2 } },
            _ => options,
        };
        var artifacts = TrainingArtifacts.Generate(options, _root.Combine($"run-{kind}"));
        var model = _root.Combine($"model-{kind}");

        var parameters = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.ToList();
        // A contrastive run's encoder is exported with the head fitted on its embeddings: here a classification run's head, of the same shapes.
        if (kind == "contrastive")
            parameters.AddRange(SafeTensorsReader.Read(_artifacts.ModelCheckpointPath).Tensors.Where(p => p.Key.StartsWith("classifier.", StringComparison.Ordinal)));

        ModelExporter.Export(artifacts, parameters,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false, QuantizeInt8 = kind == "int8" }, model);

        var metadata = OnnxModel.ReadMetadata(Path.Combine(model, ModelContract.ModelFile));
        if (kind == "int8") Assert.Equal("int8", metadata[ModelContract.WeightsKey]);
        Assert.Equal(VocabularyFit.DigestOf(File.ReadAllBytes(Path.Combine(_root.Combine("base"), ModelContract.VocabularyFile))), metadata[ModelContract.VocabularySha256Key]);
    }

    [Fact]
    public void LoadRefusesTheSameSizeVocabularyReordered()
    {
        SwapTheLastTwoTokens(ModelVocabulary);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_model));

        Assert.Equal(ModelRefusal, error.Message);
    }

    /// <summary>The digest is of the tokens: line endings and blank lines after the last token do not change an id.</summary>
    [Fact]
    public void TheSameTokensWithOtherLineEndingsLoad()
    {
        File.WriteAllText(ModelVocabulary, string.Join("\r\n", File.ReadAllLines(ModelVocabulary)) + "\r\n\r\n");

        using var classifier = TextClassifier.Load(_model);

        Assert.Equal(2, classifier.Labels.Count);
    }

    [Fact]
    public void InitFromRefusesTheSameSizeVocabularyReordered()
    {
        SwapTheLastTwoTokens(ModelVocabulary);

        var error = Assert.Throws<UserInputException>(() => InitialModel.Open(_model, "TrainJobOptions.InitFrom"));

        Assert.Equal($"TrainJobOptions.InitFrom {ModelRefusal}", error.Message);
    }

    [Fact]
    public void ATeacherRefusesTheSameSizeVocabularyReordered()
    {
        SwapTheLastTwoTokens(ModelVocabulary);

        var error = Assert.Throws<ModelLoadException>(() => TeacherModel.Open(_model));

        Assert.Equal(ModelRefusal, error.Message);
    }

    [Fact]
    public void OpeningTheRunToResumeRefusesItsVocabularyReordered()
    {
        var vocabPath = Path.Combine(_artifacts.Directory, ModelContract.VocabularyFile);
        SwapTheLastTwoTokens(vocabPath);

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(_artifacts.Directory));

        Assert.Equal($"{vocabPath}: is not the vocabulary this run was set up with: its tokens are not the ones, in the order, whose SHA-256 "
            + "checkpoint/properties.json records, so a model exported from the run would read every text through other ids; put back the run's own vocab.txt", error.Message);
    }

    /// <summary>
    /// A run whose artifacts lost their copy of vocab.txt opens, as it did before the digest was recorded: a resumed run
    /// tokenizes with its base's (held to the digest), and only the export, which ships the copy, refuses, saying that it
    /// is missing and where the run's vocabulary is; Open said the file "cannot be read (Could not find file …)".
    /// </summary>
    [Fact]
    public void ARunWithoutItsVocabularyCopyOpensAndItsExportSaysWhatToCopyIn()
    {
        File.Delete(Path.Combine(_artifacts.Directory, ModelContract.VocabularyFile));

        var opened = TrainingArtifacts.Open(_artifacts.Directory);
        var error = Assert.Throws<UserInputException>(() => ModelExporter.Export(opened, SafeTensorsReader.Read(opened.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, BaseModelName = "tiny", WriteExplainGraph = false }, _root.Combine("model-2")));

        Assert.Equal($"{_artifacts.Directory}: vocab.txt is missing, and the model is exported with it; copy in the vocab.txt of the base the run was trained on ({_root.Combine("base")})",
            error.Message);
        Assert.False(Directory.Exists(_root.Combine("model-2")));
    }

    /// <summary>
    /// A resumed call on a run whose artifacts lost their vocab.txt puts back its base's before training, said as a
    /// message, and exports (it trained every remaining step and then the export refused). A run that records no digest
    /// (set up before it was recorded) takes the base its properties name, the one it tokenizes with, as its vocabulary.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AResumedCallPutsTheBasesVocabularyBackBeforeTrainingAndExports(bool digestRecorded)
    {
        var options = TextClassifierTrainerTests.Options(_root.Combine("base"), _root, "resumed", TrainingMethod.Standard);
        var training = TextClassifierTrainerTests.Reviews(80, 31);
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 3);
        string copy = Path.Combine(options.ArtifactsDirectory, ModelContract.VocabularyFile);
        File.Delete(copy);
        if (!digestRecorded) RemoveTheDigestFrom(Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.CheckpointDirectoryName, TrainingArtifacts.PropertiesFile));
        var observer = new RecordingObserver();

        var result = TextClassifierTrainer.Train(options, training, observer: observer);

        Assert.True(result.Resumed);
        string restored = $"{copy} was missing; copied in the base's ({Path.Combine(_root.Combine("base"), ModelContract.VocabularyFile)}), the vocabulary the run trains with, which its model is exported with";
        Assert.Contains(restored, observer.Messages);
        Assert.NotEmpty(observer.Steps);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root.Combine("base"), ModelContract.VocabularyFile)), File.ReadAllBytes(copy));
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Contains(classifier.Predict("the food was great").Label, result.Labels);
    }

    private static void RemoveTheDigestFrom(string propertiesPath)
    {
        var properties = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(propertiesPath))!.AsObject();
        Assert.True(properties.Remove("vocabulary_sha256"));
        File.WriteAllText(propertiesPath, properties.ToJsonString());
    }

    /// <summary>An export from before the record keeps loading with whatever same-size vocabulary is beside it, as it did.</summary>
    [Fact]
    public void AnExportWithoutTheRecordLoadsAsBefore()
    {
        var path = Path.Combine(_model, ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        Assert.True(model.Metadata.Remove(ModelContract.VocabularySha256Key));
        model.Save(path);
        SwapTheLastTwoTokens(ModelVocabulary);

        using var classifier = TextClassifier.Load(_model);

        Assert.Null(classifier.Info.VocabularySha256);
    }
}
