using OrtAgent.Runtime.Explanations;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests.Text;

/// <summary>
/// Special tokens written in a text are found in the raw text, before normalising, as Hugging Face's tokenizers find
/// them (its added tokens marked "normalized": false): <c>[SEP]</c> written exactly is the token, and anything that
/// only normalises to it (lower-cased, or with a format character inside) is pieces, for cased and uncased vocabularies
/// alike. The expected ids are what Hugging Face's tokenizers (0.23, BertNormalizer + BertPreTokenizer + WordPiece,
/// BERT's added tokens) give on the vocabulary below.
/// </summary>
public sealed class SpecialTokenMatcherTests : IDisposable
{
    // A cased vocabulary: no shipped model has one (minilm's and arctic-xs's are uncased).
    private static readonly string[] Tokens =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", // 0-4
        "[", "]", "SEP", "sep", "Sep",                // 5-9
        "a", "b", "caf\u00E9", "cafe", "\u00E9t\u00E9", // 10-14
        "ete", "x", "e",                               // 15-17
    ];

    private readonly TinyBertVocabulary _vocabulary = new(Tokens);

    public void Dispose() => _vocabulary.Dispose();

    private BertTextEncoder Encoder(bool lowerCase, int maxLength = 128) =>
        BertTextEncoder.Create(_vocabulary.FilePath, new BertTextEncoderOptions { LowerCase = lowerCase, MaxLength = maxLength });

    [Theory]
    [InlineData("[SEP]", new[] { 3 })]
    [InlineData("a[SEP]b", new[] { 10, 3, 11 })]                       // glued to words, still the token
    [InlineData("[[SEP]]", new[] { 5, 3, 6 })]
    [InlineData("\u200B[SEP]\u00AD", new[] { 3 })]                     // dropped characters outside it leave it whole
    [InlineData("[CLS][SEP][MASK][PAD][UNK]", new[] { 2, 3, 4, 0, 1 })]
    [InlineData("[sep]", new[] { 5, 8, 6 })]
    [InlineData("[Sep]", new[] { 5, 9, 6 })]
    [InlineData("[SE\u200BP]", new[] { 5, 7, 6 })]                     // a zero-width space inside: pieces, though
    [InlineData("[SE\u00ADP]", new[] { 5, 7, 6 })]                     // normalising drops it and leaves "[SEP]"
    [InlineData("[\u200BSEP]", new[] { 5, 7, 6 })]
    [InlineData("[SEP\u200B]", new[] { 5, 7, 6 })]
    [InlineData("[SEP ]", new[] { 5, 7, 6 })]
    [InlineData("caf\u00E9[SEP]\u00E9t\u00E9", new[] { 12, 3, 14 })]   // accents on either side kept, as cased BERT keeps them
    [InlineData("\u00E9[SEP]\u0301x", new[] { 1, 3, 1 })]              // a combining accent after it starts the next word
    public void CasedVocabularyReadsOnlyTheTokenWrittenExactlyAsTheToken(string text, int[] pieces)
    {
        Assert.Equal([2, .. pieces, 3], Encoder(lowerCase: false).Encode(text));
    }

    [Theory]
    [InlineData("[SEP]", new[] { 3 })]
    [InlineData("a[SEP]b", new[] { 10, 3, 11 })]
    [InlineData("[sep]", new[] { 5, 8, 6 })]
    [InlineData("[Sep]", new[] { 5, 8, 6 })]
    [InlineData("[SE\u200BP]", new[] { 5, 8, 6 })]
    [InlineData("[SE\u00ADP]", new[] { 5, 8, 6 })]
    [InlineData("caf\u00E9[SEP]\u00E9t\u00E9", new[] { 13, 3, 15 })]   // accents on either side stripped
    [InlineData("\u00E9[SEP]\u0301x", new[] { 17, 3, 16 })]            // the combining accent after it stripped, "x" left
    public void UncasedVocabularyReadsOnlyTheTokenWrittenExactlyAsTheToken(string text, int[] pieces)
    {
        Assert.Equal([2, .. pieces, 3], Encoder(lowerCase: true).Encode(text));
    }

    // An explanation encodes word by word; its words must be the encoder's, or it explains other ids than predict runs.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExplanationWordsGiveThePiecesOfTheWholeText(bool lowerCase)
    {
        var encoder = Encoder(lowerCase);
        string[] texts =
        [
            "a[SEP]b [[SEP]] [sep] [Sep]", "[SE\u200BP] [SE\u00ADP] [\u200BSEP] \u200B[SEP]\u00AD", "caf\u00E9[SEP]\u00E9t\u00E9 \u00E9[SEP]\u0301x",
            "[CLS][SEP][MASK][PAD][UNK]", "x[SEP", "[SEP ]",
        ];
        foreach (var text in texts)
            Assert.Equal(encoder.Encode(text), WordPieceAlignment.Align(encoder, text).TokenIds);
    }

    // The text between special tokens is tokenized stretch by stretch; a cut must still keep the first pieces exactly.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncationKeepsTheFirstPiecesAcrossSpecialTokens(bool lowerCase)
    {
        const string text = "a [SEP]b[sep] caf\u00E9[CLS][[MASK]]x";
        int[] whole = Encoder(lowerCase).Encode(text);
        for (int maxLength = 2; maxLength <= whole.Length + 1; maxLength++)
        {
            var encoder = Encoder(lowerCase, maxLength);
            int kept = Math.Min(maxLength, whole.Length) - 2;
            int[] ids = encoder.Encode(text, out bool truncated);
            Assert.Equal([2, .. whole[1..(1 + kept)], 3], ids);
            Assert.Equal(maxLength < whole.Length, truncated);
            var alignment = WordPieceAlignment.Align(encoder, text);
            Assert.Equal(ids, alignment.TokenIds);
            Assert.Equal(truncated, alignment.Truncated);
        }
    }

    [Fact]
    public void FindsTheLeftmostTokenAndThereTheLongest()
    {
        var matcher = new SpecialTokenMatcher([("[A]", 1), ("[A]B", 2), ("[C]", 3)]);

        Assert.Equal((2, 4, 2), matcher.FindNext("x [A]B [C]", 0));
        Assert.Equal((7, 3, 3), matcher.FindNext("x [A]B [C]", 3));
        Assert.Equal((1, 3, 1), matcher.FindNext("[[A] [a]", 0));
        Assert.Null(matcher.FindNext("[a] [A", 0));
    }
}
