using OrtAgent.Runtime.Explanations;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests.Text;

// Expected ids are read off TinyBertVocabulary.Tokens: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3.
public sealed class BertTextEncoderTests : IDisposable
{
    private readonly TinyBertVocabulary _vocabulary = new();

    public void Dispose() => _vocabulary.Dispose();

    private BertTextEncoder CreateEncoder(bool lowerCase = true, int maxLength = 128) =>
        BertTextEncoder.Create(_vocabulary.FilePath, new BertTextEncoderOptions { LowerCase = lowerCase, MaxLength = maxLength });

    [Fact]
    public void DefaultsAreUncasedAnd128Tokens()
    {
        BertTextEncoder encoder = BertTextEncoder.Create(_vocabulary.FilePath);

        Assert.True(encoder.LowerCase);
        Assert.Equal(128, encoder.MaxLength);
    }

    [Fact]
    public void SpecialTokenIdsComeFromTheVocabulary()
    {
        BertTextEncoder encoder = CreateEncoder();

        Assert.Equal(0, encoder.PaddingTokenId);
        Assert.Equal(1, encoder.UnknownTokenId);
        Assert.Equal(2, encoder.ClassificationTokenId);
        Assert.Equal(3, encoder.SeparatorTokenId);
    }

    [Fact]
    public void SpecialTokenIdsFollowTheVocabularyWhenItOrdersThemDifferently()
    {
        // Same words, special tokens moved to the end: [PAD]=3 [UNK]=4 [CLS]=5 [SEP]=6 [MASK]=7.
        using var shuffled = new TinyBertVocabulary(["the", "movie", "good", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
        BertTextEncoder encoder = BertTextEncoder.Create(shuffled.FilePath);

        Assert.Equal([5, 0, 1, 6], encoder.Encode("the movie"));
        Assert.Equal([5, 4, 6], encoder.Encode("zebra"));

        EncodedBatch batch = encoder.EncodeBatch(["good", "the movie"]);
        Assert.Equal([5L, 2, 6, 3, /**/ 5, 0, 1, 6], batch.InputIds);
    }

    [Fact]
    public void SentenceWithPunctuationEncodesToHandWorkedIds()
    {
        // [CLS] the movie was great ! [SEP]
        Assert.Equal([2, 5, 6, 7, 8, 9, 3], CreateEncoder().Encode("The movie was great!"));
    }

    [Fact]
    public void PunctuationIsSplitFromWordsWithoutSpaces()
    {
        // [CLS] hello , world . [SEP]
        Assert.Equal([2, 17, 10, 18, 11, 3], CreateEncoder().Encode("hello,world."));
    }

    [Fact]
    public void WordMissingFromVocabularyIsSplitIntoWordpieces()
    {
        // [CLS] un ##believ ##ably good [SEP]
        Assert.Equal([2, 12, 13, 14, 15, 3], CreateEncoder().Encode("unbelievably good"));
        // [CLS] play ##ing play ##s [SEP]
        Assert.Equal([2, 19, 20, 19, 21, 3], CreateEncoder().Encode("playing plays"));
    }

    [Fact]
    public void CountTokensCountsTheTextsOwnPiecesWithoutSpecialTokensOrTruncation()
    {
        var encoder = CreateEncoder(maxLength: 4);

        Assert.Equal(4, encoder.CountTokens("unbelievably good"));   // un ##believ ##ably good
        Assert.Equal(1, encoder.CountTokens("zebra"));               // [UNK]
        Assert.Equal(0, encoder.CountTokens(" "));
        Assert.Equal(4, encoder.Encode("unbelievably good").Length); // [CLS] un ##believ [SEP]
    }

    [Fact]
    public void WordThatWordpiecesCannotSpellBecomesOneUnknownToken()
    {
        // "zebra" has no pieces at all; "playz" starts with "play" but "##z" is missing, so the whole word is [UNK].
        // [CLS] the [UNK] [UNK] [SEP]
        Assert.Equal([2, 5, 1, 1, 3], CreateEncoder().Encode("the zebra playz"));
    }

    [Fact]
    public void LowerCasingOnFoldsCase()
    {
        // [CLS] hello world [SEP]
        Assert.Equal([2, 17, 18, 3], CreateEncoder(lowerCase: true).Encode("HELLO World"));
    }

    [Fact]
    public void LowerCasingOffKeepsCase()
    {
        // [CLS] Hello world [SEP]: the cased "Hello" is its own entry.
        Assert.Equal([2, 22, 18, 3], CreateEncoder(lowerCase: false).Encode("Hello world"));
        // [CLS] hello [UNK] [SEP]: "World" is not in the vocabulary and nothing lower-cases it.
        Assert.Equal([2, 17, 1, 3], CreateEncoder(lowerCase: false).Encode("hello World"));
    }

    [Fact]
    public void LowerCasingStripsAccentsAsBertUncasedDoes()
    {
        // [CLS] cafe [SEP] for both the precomposed é (U+00E9) and e + combining acute (U+0301).
        Assert.Equal([2, 16, 3], CreateEncoder(lowerCase: true).Encode("Caf\u00E9"));
        Assert.Equal([2, 16, 3], CreateEncoder(lowerCase: true).Encode("CAFE\u0301"));
    }

    [Fact]
    public void LowerCasingOffKeepsAccents()
    {
        // [CLS] [UNK] [SEP]: "café" only matches "cafe" once the accent is stripped, which a cased encoder must not do.
        Assert.Equal([2, 1, 3], CreateEncoder(lowerCase: false).Encode("caf\u00E9"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void EmptyOrWhitespaceTextEncodesToClsSep(string text)
    {
        Assert.Equal([2, 3], CreateEncoder().Encode(text));
    }

    [Fact]
    public void LongTextIsTruncatedToMaxLengthAndStillEndsWithSep()
    {
        // [CLS] the movie was [SEP]: 5 tokens, "great !" dropped.
        Assert.Equal([2, 5, 6, 7, 3], CreateEncoder(maxLength: 5).Encode("the movie was great!"));
    }

    [Fact]
    public void TruncationCutsBetweenWordpiecesOfOneWord()
    {
        // [CLS] good un [SEP]: the limit falls inside "un ##believ ##ably"; the first piece is kept, as
        // Hugging Face truncation does, rather than dropping the whole word.
        Assert.Equal([2, 15, 12, 3], CreateEncoder(maxLength: 4).Encode("good unbelievably"));
    }

    [Fact]
    public void MaxLengthTwoLeavesOnlyClsSep()
    {
        Assert.Equal([2, 3], CreateEncoder(maxLength: 2).Encode("the movie"));
    }

    /// <summary>
    /// With no room for a body every text with a piece is cut, to nothing: the encoder said false (it skipped the text),
    /// while an explanation's alignment of the same text said true.
    /// </summary>
    [Theory]
    [InlineData("the movie", true)]
    [InlineData("good", true)]
    [InlineData("   ", false)]
    [InlineData("\u0001", false)]
    public void MaxLengthTwoTruncatesEveryTextWithAPieceAsTheExplanationsAlignmentSays(string text, bool truncated)
    {
        BertTextEncoder encoder = CreateEncoder(maxLength: 2);

        Assert.Equal([2, 3], encoder.Encode(text, out bool cut));
        Assert.Equal(truncated, cut);
        Assert.Equal(truncated, WordPieceAlignment.Align(encoder, text).Truncated);
    }

    [Fact]
    public void SpanOverloadWritesIntoDestinationAndReturnsCount()
    {
        BertTextEncoder encoder = CreateEncoder(maxLength: 8);
        Span<int> destination = stackalloc int[8];

        int written = encoder.Encode("it is fun".AsSpan(), destination);

        Assert.Equal(5, written);
        // [CLS] it is fun [SEP]
        Assert.Equal([2, 27, 28, 29, 3], destination[..written].ToArray());
    }

    [Fact]
    public void SpanOverloadRejectsDestinationShorterThanMaxLength()
    {
        BertTextEncoder encoder = CreateEncoder(maxLength: 8);

        Assert.Throws<ArgumentException>(() => encoder.Encode("fun".AsSpan(), new int[7]));
    }

    [Fact]
    public void BatchIsPaddedToItsLongestTextWithMatchingMasks()
    {
        EncodedBatch batch = CreateEncoder().EncodeBatch(["the movie", "hello", "unbelievably good"]);

        Assert.Equal(3, batch.BatchSize);
        Assert.Equal(6, batch.SequenceLength); // the longest row, not MaxLength = 128
        Assert.Equal([3L, 6L], batch.Shape);
        Assert.Equal(
            [
                2L, 5, 6, 3, 0, 0,   // [CLS] the movie [SEP] [PAD] [PAD]
                2, 17, 3, 0, 0, 0,   // [CLS] hello [SEP] [PAD] [PAD] [PAD]
                2, 12, 13, 14, 15, 3, // [CLS] un ##believ ##ably good [SEP]
            ],
            batch.InputIds);
        Assert.Equal(
            [
                1L, 1, 1, 1, 0, 0,
                1, 1, 1, 0, 0, 0,
                1, 1, 1, 1, 1, 1,
            ],
            batch.AttentionMask);
        Assert.Equal(new long[18], batch.TokenTypeIds);
        Assert.Equal(4, batch.TokenCount(0));
        Assert.Equal(3, batch.TokenCount(1));
        Assert.Equal(6, batch.TokenCount(2));
    }

    [Fact]
    public void BatchRowsAreTruncatedToMaxLength()
    {
        EncodedBatch batch = CreateEncoder(maxLength: 4).EncodeBatch(["the movie was great!", ""]);

        Assert.Equal(4, batch.SequenceLength);
        Assert.Equal([2L, 5, 6, 3, /**/ 2, 3, 0, 0], batch.InputIds);
        Assert.Equal([1L, 1, 1, 1, /**/ 1, 1, 0, 0], batch.AttentionMask);
    }

    [Fact]
    public void BatchRejectsEmptyList()
    {
        Assert.Throws<ArgumentException>(() => CreateEncoder().EncodeBatch([]));
    }

    [Fact]
    public void ConcurrentCallersGetTheSameIdsAsASingleCaller()
    {
        BertTextEncoder encoder = CreateEncoder(maxLength: 6);
        string[] texts = ["The movie was great!", "unbelievably good", "hello,world.", "Caf\u00E9 playing", "", "it is fun?"];
        int[][] expected = texts.Select(encoder.Encode).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int which = i % texts.Length;
            if (i % 2 == 0)
            {
                if (!encoder.Encode(texts[which]).SequenceEqual(expected[which]))
                {
                    failures.Add($"Encode #{i}");
                }
            }
            else
            {
                EncodedBatch batch = encoder.EncodeBatch(texts);
                long[] row = batch.InputIds.AsSpan(which * batch.SequenceLength, expected[which].Length).ToArray();
                if (!row.SequenceEqual(expected[which].Select(id => (long)id)))
                {
                    failures.Add($"EncodeBatch #{i}");
                }
            }
        });

        Assert.Empty(failures);
    }

    [Fact]
    public void MissingVocabularyFileIsReportedWithItsPath()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"), "vocab.txt");

        var ex = Assert.Throws<FileNotFoundException>(() => BertTextEncoder.Create(path));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void VocabularyWithoutSpecialTokensIsRejected()
    {
        using var noSpecials = new TinyBertVocabulary(["the", "movie", "[UNK]"]);

        var ex = Assert.Throws<InvalidDataException>(() => BertTextEncoder.Create(noSpecials.FilePath));
        Assert.Contains(noSpecials.FilePath, ex.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    public void MaxLengthBelowTwoIsRejectedNamingTheProperty(int maxLength)
    {
        var error = Assert.Throws<InvalidOptionException>(() => CreateEncoder(maxLength: maxLength));

        Assert.Equal("BertTextEncoderOptions.MaxLength", error.Option);
        Assert.Equal($"BertTextEncoderOptions.MaxLength = {maxLength.ToString(System.Globalization.CultureInfo.InvariantCulture)}: must be at least 2, to hold [CLS] and [SEP]", error.Message);
    }
}
