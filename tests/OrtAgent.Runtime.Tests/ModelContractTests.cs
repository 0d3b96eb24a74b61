namespace OrtAgent.Runtime.Tests;

/// <summary><see cref="ModelContract.ReadInfo"/> on OrtAgent metadata written by the test.</summary>
public sealed class ModelContractTests
{
    private const string Directory = "/models/sentiment";

    private static Dictionary<string, string> Metadata(string maxLength) => new()
    {
        [ModelContract.LabelsKey] = """["negative","positive"]""",
        [ModelContract.MaxLengthKey] = maxLength,
        [ModelContract.LowerCaseKey] = "true",
    };

    /// <summary>The record's own ToString printed "Labels = System.String[]" and the metrics' dictionary type.</summary>
    [Fact]
    public void InfoPrintsItsLabelsAndMetrics()
    {
        var info = new ClassifierModelInfo(["negative", "positive"], 128, true, "minilm", ModelContract.SingleLabel,
            new Dictionary<string, double> { ["accuracy"] = 0.9, ["macro_f1"] = 0.85 }) { Weights = ModelWeights.Float32 };

        Assert.Equal("ClassifierModelInfo { Labels = [negative, positive], MaxLength = 128, LowerCase = True, BaseModel = minilm, Problem = single_label, " +
            "Metrics = { accuracy = 0.9, macro_f1 = 0.85 }, Weights = Float32, VocabularySize = , VocabularyTokens = , VocabularySha256 = , RecordedMaxLength = , ModelMaxLength =  }",
            info.ToString());
    }

    [Fact]
    public void ReadInfoReadsTheMaxLength() =>
        Assert.Equal(2, ModelContract.ReadInfo(Directory, Metadata("2")).MaxLength);

    /// <summary>A length under 2 passed the read and failed at the tokenizer, an ArgumentOutOfRangeException that named no file.</summary>
    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("-32")]
    [InlineData("long")]
    public void AMaxLengthUnderTwoIsAModelLoadErrorNamingTheFile(string maxLength)
    {
        var error = Assert.Throws<ModelLoadException>(() => ModelContract.ReadInfo(Directory, Metadata(maxLength)));

        Assert.Equal($"{Path.Combine(Directory, ModelContract.ModelFile)}: malformed OrtAgent metadata: "
            + $"'ortagent.max_length' is '{maxLength}', not a length of at least 2 (room for [CLS] and [SEP])", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    public void AnExportOfFormatOneOrWithoutTheKeyReads(string? format)
    {
        var metadata = Metadata("32");
        if (format is not null) metadata[ModelContract.FormatKey] = format;

        Assert.Equal(["negative", "positive"], ModelContract.ReadInfo(Directory, metadata).Labels);
    }

    /// <summary>A newer exporter's format was read as format 1: its keys taken at this build's meaning, its model served on a guess.</summary>
    [Fact]
    public void ANewerModelFormatIsRefusedNamingTheFileTheFormatAndWhatToDo()
    {
        var metadata = Metadata("32");
        metadata[ModelContract.FormatKey] = "2";

        var error = Assert.Throws<ModelLoadException>(() => ModelContract.ReadInfo(Directory, metadata));

        Assert.Equal($"{Path.Combine(Directory, ModelContract.ModelFile)}: 'ortagent.format' is '2', a model format newer than this OrtAgent reads (1): "
            + "use the newer OrtAgent that exported it, or train the model again with this one", error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("one")]
    [InlineData("")]
    public void AFormatThatIsNoVersionIsMalformedMetadata(string format)
    {
        var metadata = Metadata("32");
        metadata[ModelContract.FormatKey] = format;

        var error = Assert.Throws<ModelLoadException>(() => ModelContract.ReadInfo(Directory, metadata));

        Assert.Equal($"{Path.Combine(Directory, ModelContract.ModelFile)}: malformed OrtAgent metadata: 'ortagent.format' is '{format}', "
            + "not a model format this OrtAgent reads (1)", error.Message);
    }
}
