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
}
