using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A model a newer OrtAgent exported is refused by its format before anything loads it. The format was read from the
/// session's metadata, after ONNX Runtime had loaded the file, so a newer model ONNX Runtime could not load (a newer
/// opset, an op it lacks) got ONNX Runtime's load message instead of the way to a build that reads it.
/// </summary>
public sealed class NewerModelFormatTests : IDisposable
{
    private readonly TempDirectory _directory = new("newer-model-format");

    public NewerModelFormatTests() => NewerFormatModel.Write(_directory.Path);

    public void Dispose() => _directory.Dispose();

    private string ModelPath => _directory.Combine(ModelContract.ModelFile);

    [Fact]
    public void ANewerModelOnnxRuntimeCannotLoadIsRefusedByItsFormat()
    {
        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal(NewerFormatModel.Refusal(ModelPath), error.Message);
    }

    /// <summary>A newer layout may keep its vocabulary in another file: the format, not the missing <c>vocab.txt</c>, is the news.</summary>
    [Fact]
    public void ANewerModelWithoutAVocabularyIsRefusedByItsFormat()
    {
        File.Delete(_directory.Combine(ModelContract.VocabularyFile));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal(NewerFormatModel.Refusal(ModelPath), error.Message);
    }

    [Fact]
    public void TheProbeReadsTheFormatPastTheGraphAndNothingFromAFileThatIsNoModel()
    {
        Assert.Equal(NewerFormatModel.Format, ModelFormatProbe.Read(ModelPath));

        File.WriteAllBytes(ModelPath, [0x0A, 0x7F, 0x01]);
        Assert.Null(ModelFormatProbe.Read(ModelPath));
    }
}
