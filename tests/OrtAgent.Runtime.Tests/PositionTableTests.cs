using OrtAgent.Onnx;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A model's max length against the rows of its position-embedding table (16 here), which the loader reads from the
/// graph. A longer recorded length used to load, and the first text that long failed inside ONNX Runtime.
/// </summary>
public sealed class PositionTableTests : IDisposable
{
    private const int Positions = 16;
    private static readonly string LongText = string.Join(" ", Enumerable.Repeat("[UNK]", 40));

    private readonly TempDirectory _directory = new("position-table");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AnExportRecordingAMaxLengthLongerThanTheTableIsRefusedAtLoad()
    {
        WriteTinyClassifier(recordedMaxLength: 32);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{_directory.Combine("model.onnx")}: 'ortagent.max_length' is 32, longer than the 16 rows of model.onnx's position table, "
            + "the longest sequence the model can run", error.Message);
    }

    [Fact]
    public void AHuggingFaceConfigRecordingMorePositionsThanTheTableIsRefusedNamingItsFile()
    {
        var directory = WriteHuggingFace("""{"do_lower_case": true}""", """{"model_type": "bert", "max_position_embeddings": 128, "id2label": {"0": "negative", "1": "positive"}}""");

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(directory));

        Assert.Equal($"{Path.Combine(directory, "config.json")}: max_position_embeddings is 128, longer than the 16 rows of model.onnx's position table, "
            + "the longest sequence the model can run", error.Message);
    }

    /// <summary>
    /// A tokenizer's limit is a hint about texts (community exports write 1024 over a 512-row BERT): above the table it
    /// is cut to the table's rows, as it was cut to max_position_embeddings before the table was read, not refused.
    /// </summary>
    [Fact]
    public void AHuggingFaceTokenizerLimitLongerThanTheTableIsCutToTheTable()
    {
        var directory = WriteHuggingFace("""{"do_lower_case": true, "model_max_length": 128}""");

        using var classifier = TextClassifier.Load(directory);

        Assert.Equal(Positions, classifier.Info.MaxLength);
        Assert.Equal(1f, classifier.Predict(LongText).Probabilities.Values.Sum(), 5);
    }

    /// <summary>transformers writes 1e30 when a tokenizer has no limit; with no max_position_embeddings either, 512 was assumed.</summary>
    [Fact]
    public void AHuggingFaceModelRecordingNoLimitTakesTheTablesRows()
    {
        var directory = WriteHuggingFace("""{"do_lower_case": true, "model_max_length": 1000000000000000019884624838656}""");

        using var classifier = TextClassifier.Load(directory);

        Assert.Equal(Positions, classifier.Info.MaxLength);
        Assert.Equal(1f, classifier.Predict(LongText).Probabilities.Values.Sum(), 5);
    }

    [Fact]
    public void AMaxLengthOptionLongerThanTheTableNamesTheTablesRows()
    {
        WriteTinyClassifier(recordedMaxLength: 8);

        var error = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = 17 }));

        Assert.Equal("TextClassifierOptions.MaxLength", error.Option);
        Assert.Equal($"TextClassifierOptions.MaxLength = 17: is longer than the 16 rows of {_directory.Combine("model.onnx")}'s position table, "
            + "the longest sequence the model can run", error.Message);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void AMaxLengthOptionUpToTheTableRunsTextsThatLong()
    {
        WriteTinyClassifier(recordedMaxLength: 8);

        using var classifier = TextClassifier.Load(_directory.Path, new TextClassifierOptions { MaxLength = Positions });

        Assert.Equal(1f, classifier.Predict(LongText).Probabilities.Values.Sum(), 5);
    }

    /// <summary>
    /// The rule is <see cref="ModelContract.ReadInfo"/>'s, which every
    /// reader of a model's description goes through: the service's listing, <c>train --init-from</c> and distillation's
    /// teacher read the record unchecked, and a text that long failed inside ONNX Runtime mid-run.
    /// </summary>
    [Theory]
    [InlineData("""{"model_type": "bert", "max_position_embeddings": 128, "id2label": {"0": "negative", "1": "positive"}}""")]
    [InlineData(null)]
    public void ReadInfoRefusesARecordLongerThanTheTableInLoadsWords(string? config)
    {
        string directory = _directory.Path;
        if (config is null) WriteTinyClassifier(recordedMaxLength: 32);
        else directory = WriteHuggingFace("""{"do_lower_case": true}""", config);

        var read = Assert.Throws<ModelLoadException>(() => ModelContract.ReadInfo(directory, OnnxModel.ReadMetadata(Path.Combine(directory, "model.onnx"))));

        Assert.Equal(Assert.Throws<ModelLoadException>(() => TextClassifier.Load(directory)).Message, read.Message);
    }

    [Fact]
    public void ReadInfoGivesAHuggingFaceModelRecordingNoLimitTheTablesRows()
    {
        var directory = WriteHuggingFace("""{"do_lower_case": true, "model_max_length": 1000000000000000019884624838656}""");

        var info = ModelContract.ReadInfo(directory, OnnxModel.ReadMetadata(Path.Combine(directory, "model.onnx")));

        Assert.Equal(Positions, info.MaxLength);
    }

    /// <summary>
    /// A torch export names a table it traced as it likes (<c>onnx::Gather_171</c>): the table was not found, the
    /// model loaded, and the first text longer than its rows failed inside ONNX Runtime (exit 1, HTTP 500). It is found
    /// as the table the graph looks position ids up in.
    /// </summary>
    [Fact]
    public void ATableUnderAnotherNameIsFoundByWhatTheGraphDoesWithIt()
    {
        var refused = WriteHuggingFace("""{"do_lower_case": true, "model_max_length": 128}""",
            """{"model_type": "bert", "max_position_embeddings": 128, "id2label": {"0": "negative", "1": "positive"}}""", tableName: "onnx::Gather_171");
        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(refused));
        Assert.Equal($"{Path.Combine(refused, "config.json")}: max_position_embeddings is 128, longer than the 16 rows of model.onnx's position table, "
            + "the longest sequence the model can run", error.Message);

        var unlimited = WriteHuggingFace("""{"do_lower_case": true, "model_max_length": 1000000000000000019884624838656}""", tableName: "onnx::Gather_171", folder: "hf-unlimited");
        using var classifier = TextClassifier.Load(unlimited);
        Assert.Equal(Positions, classifier.Info.MaxLength);
        Assert.Equal(1f, classifier.Predict(LongText).Probabilities.Values.Sum(), 5);
    }

    private void WriteTinyClassifier(int recordedMaxLength) =>
        TinyBertClassifier.Write(_directory.Path, recordedMaxLength, new TinyBertOptions { MaxPositions = Positions });

    private string WriteHuggingFace(string tokenizerConfig, string config = """{"model_type": "bert", "id2label": {"0": "negative", "1": "positive"}}""",
        string? tableName = null, string folder = "hf")
    {
        WriteTinyClassifier(recordedMaxLength: 8);
        var directory = HuggingFaceLayout.WriteFrom(_directory.Path, _directory.Combine(folder));
        if (tableName is not null)
        {
            var path = Path.Combine(directory, ModelContract.ModelFile);
            var model = OnnxModel.Load(path);
            model.Graph.Initializers.Single(v => v.Name.EndsWith("position_embeddings.weight", StringComparison.Ordinal)).Name = tableName;
            model.Save(path);
        }
        File.WriteAllText(Path.Combine(directory, ModelContract.ConfigFile), config);
        File.WriteAllText(Path.Combine(directory, ModelContract.TokenizerConfigFile), tokenizerConfig);
        return directory;
    }
}
