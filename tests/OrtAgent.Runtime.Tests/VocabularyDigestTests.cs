using System.Security.Cryptography;
using System.Text;
using OrtAgent.Onnx;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// The SHA-256 of a vocabulary's tokens (<see cref="ModelContract.VocabularySha256Key"/>): what it is a digest of, and
/// the load's refusal of a <c>vocab.txt</c> of the recorded size whose tokens are not the model's.
/// </summary>
public sealed class VocabularyDigestTests : IDisposable
{
    private readonly TempDirectory _directory = new("vocabulary-digest");

    public VocabularyDigestTests() => ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);

    public void Dispose() => _directory.Dispose();

    private string VocabPath => _directory.Combine(ModelContract.VocabularyFile);

    [Fact]
    public void TheDigestIsOfEachTokenAndALineFeedUpToTheLastToken()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData("[PAD]\n\n[UNK]\n"u8.ToArray()));

        // A byte-order mark, CR LF and blank lines after the last token change no id, so no digest.
        Assert.Equal(expected, VocabularyFit.DigestOf(Encoding.UTF8.GetBytes("\uFEFF[PAD]\r\n\r\n[UNK]\r\n\r\n")));
        Assert.Equal(expected, VocabularyFit.DigestOf("[PAD]\n\n[UNK]"u8.ToArray()));
        Assert.NotEqual(expected, VocabularyFit.DigestOf("[UNK]\n\n[PAD]\n"u8.ToArray()));
    }

    [Fact]
    public void AnotherVocabularyOfTheRecordedSizeIsAModelLoadError()
    {
        Record(VocabularyFit.DigestOf(File.ReadAllBytes(VocabPath)));
        var tokens = File.ReadAllLines(VocabPath);
        File.WriteAllLines(VocabPath, [.. tokens[..5], .. tokens[5..].Reverse()]);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.StartsWith($"{VocabPath}: is not the vocabulary model.onnx was trained with: ", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    public void ARecordedDigestThatIsNoSha256IsMalformedMetadata(string recorded)
    {
        Record(recorded);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{_directory.Combine(ModelContract.ModelFile)}: malformed OrtAgent metadata: '{ModelContract.VocabularySha256Key}' is '{recorded}', "
            + "not a SHA-256 (64 lower-case hex digits)", error.Message);
    }

    private void Record(string digest)
    {
        var path = _directory.Combine(ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        model.Metadata[ModelContract.VocabularySha256Key] = digest;
        model.Save(path);
    }
}
