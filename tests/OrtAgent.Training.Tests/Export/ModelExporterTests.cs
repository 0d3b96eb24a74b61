using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

/// <summary>
/// What an export records of the tokenizer and the base model, on a tiny BERT whose position table has 64 rows: the
/// options' values when given, the artifacts' record when not, and a refusal of values that cannot work.
/// </summary>
public sealed class ModelExporterTests : IDisposable
{
    private readonly TempDirectory _root = new("export");
    private readonly string _base;

    public ModelExporterTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TrainingArtifacts Artifacts(string name, int? maxLength = null, bool? lowerCase = null, string? baseModelName = null) =>
        TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = _base, Labels = ["no", "yes"], MaxLength = maxLength, LowerCase = lowerCase, BaseModelName = baseModelName,
        }, _root.Combine(name));

    private static IReadOnlyList<KeyValuePair<string, TensorData>> Parameters(TrainingArtifacts artifacts) =>
        SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.ToList();

    private ClassifierModelInfo Export(TrainingArtifacts artifacts, ExportOptions options)
    {
        var directory = _root.Combine($"model-{Guid.NewGuid():N}");
        ModelExporter.Export(artifacts, Parameters(artifacts), options, directory);
        using var classifier = TextClassifier.Load(directory);
        return classifier.Info;
    }

    /// <summary>Default options recorded 128, lower-case and "unknown", whatever the artifacts said the run tokenized with.</summary>
    [Fact]
    public void DefaultOptionsRecordWhatTheArtifactsRecord()
    {
        var info = Export(Artifacts("recorded", maxLength: 48, lowerCase: false, baseModelName: "tiny"), new ExportOptions { WriteExplainGraph = false });

        Assert.Equal(48, info.MaxLength);
        Assert.False(info.LowerCase);
        Assert.Equal("tiny", info.BaseModel);
    }

    [Fact]
    public void GivenOptionsOverrideTheArtifacts()
    {
        var info = Export(Artifacts("given", maxLength: 48, lowerCase: false, baseModelName: "tiny"),
            new ExportOptions { MaxLength = 16, LowerCase = true, BaseModelName = "other", WriteExplainGraph = false });

        Assert.Equal(16, info.MaxLength);
        Assert.True(info.LowerCase);
        Assert.Equal("other", info.BaseModel);
    }

    /// <summary>Artifacts that record nothing: 128 capped at the 64 positions, the uncased vocabulary's casing, the base's folder name.</summary>
    [Fact]
    public void ArtifactsThatRecordNothingFallBackToTheBaseModel()
    {
        var info = Export(Artifacts("unrecorded"), new ExportOptions { WriteExplainGraph = false });

        Assert.Equal(64, info.MaxLength);
        Assert.True(info.LowerCase);
        Assert.Equal("base", info.BaseModel);
    }

    [Theory]
    [InlineData(1, "ExportOptions.MaxLength = 1: must be at least 2, to hold [CLS] and [SEP]")]
    [InlineData(65, "ExportOptions.MaxLength = 65: is longer than the 64 rows of BASE's position table, the longest sequence the model can run")]
    public void AMaxLengthThatCannotWorkIsAnInvalidOption(int maxLength, string message)
    {
        var artifacts = Artifacts("length");
        var output = _root.Combine("refused");

        var error = Assert.Throws<InvalidOptionException>(() =>
            ModelExporter.Export(artifacts, Parameters(artifacts), new ExportOptions { MaxLength = maxLength }, output));

        Assert.Equal("ExportOptions.MaxLength", error.Option);
        // Worded as the runtime refuses a length above the table (it said "must be at most 64, the base model's positions").
        Assert.Equal(message.Replace("BASE", _base), error.Message);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>JSON has no NaN: a diverged loss was a System.Text.Json ArgumentException once the model was half written.</summary>
    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void ANonFiniteMetricIsAnInvalidOption(double value, string shown)
    {
        var artifacts = Artifacts("metrics");
        var output = _root.Combine("refused");

        var error = Assert.Throws<InvalidOptionException>(() => ModelExporter.Export(artifacts, Parameters(artifacts),
            new ExportOptions { Metrics = new Dictionary<string, double> { ["accuracy"] = 0.5, ["loss"] = value } }, output));

        Assert.Equal($"ExportOptions.Metrics = {shown}: the metric 'loss' must be a finite number; the model's JSON metadata cannot record it", error.Message);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>
    /// <see cref="ModelExporter.IsInPlace"/> compares what a classifier loaded from the directory reads: model.onnx,
    /// vocab.txt and explain.onnx, absent when the export writes none. It compared the two models only, so another
    /// vocabulary beside them, or an explain.onnx an export without one would drop, counted as in place.
    /// </summary>
    [Fact]
    public void AnExportIsInPlaceWhileWhatAClassifierReadsOfItIsWhatExportWouldWrite()
    {
        var artifacts = Artifacts("in-place");
        var parameters = Parameters(artifacts);
        var directory = _root.Combine("in-place-model");
        var withExplain = new ExportOptions();
        var withoutExplain = new ExportOptions { WriteExplainGraph = false };
        bool InPlace(ExportOptions options) => ModelExporter.IsInPlace(artifacts, parameters, options, directory);

        Assert.False(InPlace(withExplain));
        ModelExporter.Export(artifacts, parameters, withExplain, directory);
        Assert.True(InPlace(withExplain));
        // No classifier reads the card.
        File.AppendAllText(Path.Combine(directory, "README.md"), "\nEdited by hand.\n");
        Assert.True(InPlace(withExplain));
        Assert.False(InPlace(withoutExplain));
        File.AppendAllText(Path.Combine(directory, ModelContract.VocabularyFile), "added\n");
        Assert.False(InPlace(withExplain));

        ModelExporter.Export(artifacts, parameters, withoutExplain, directory);
        Assert.True(InPlace(withoutExplain));
        Assert.False(InPlace(withExplain));
    }

    /// <summary>Options that cannot work are refused whether or not the directory holds an export to compare with.</summary>
    [Fact]
    public void IsInPlaceRefusesOptionsThatCannotWorkWithOrWithoutAnExportThere()
    {
        var artifacts = Artifacts("in-place-options");
        var parameters = Parameters(artifacts);
        var directory = _root.Combine("in-place-options-model");
        var invalid = new ExportOptions { MaxLength = 1 };

        var withoutExport = Assert.Throws<InvalidOptionException>(() => ModelExporter.IsInPlace(artifacts, parameters, invalid, directory));
        ModelExporter.Export(artifacts, parameters, new ExportOptions { WriteExplainGraph = false }, directory);
        var withExport = Assert.Throws<InvalidOptionException>(() => ModelExporter.IsInPlace(artifacts, parameters, invalid, directory));

        Assert.Equal("ExportOptions.MaxLength = 1: must be at least 2, to hold [CLS] and [SEP]", withoutExport.Message);
        Assert.Equal(withoutExport.Message, withExport.Message);
    }
}
