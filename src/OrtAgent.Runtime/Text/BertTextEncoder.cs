using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.ML.Tokenizers;

namespace OrtAgent.Runtime.Text;

/// <summary>
/// Turns text into BERT model inputs: WordPiece ids from a <c>vocab.txt</c>, wrapped in [CLS] … [SEP],
/// cut to <see cref="MaxLength"/>, and batched into padded int64 tensors.
/// </summary>
/// <remarks>
/// Special tokens written exactly in the text ([SEP]) are split off the raw text first and read as themselves, as
/// Hugging Face's BERT tokenizers read them (<see cref="SpecialTokenMatcher"/>). The text between them is normalised as
/// those tokenizers do (<see cref="BertTextNormalizer"/>: cleaning, CJK spacing, and for uncased vocabularies accent
/// stripping and lower-casing, without ICU), then split at spaces and punctuation as they do
/// (<see cref="BertPreTokenizer"/>) and cut into greedy longest-match WordPieces by Microsoft.ML.Tokenizers'
/// <see cref="BertTokenizer"/>; this type adds the truncation and batching a classifier needs. Instances are immutable
/// after <see cref="Create(string, BertTextEncoderOptions?)"/>, so one encoder may serve any number of concurrent callers.
/// </remarks>
public sealed class BertTextEncoder
{
    private readonly BertTokenizer _tokenizer;
    private readonly SpecialTokenMatcher _specialTokens;

    // Extra tokens asked of the library beyond what we keep. Its maxTokenCount drops a whole word rather than
    // splitting it, so a word straddling the limit would vanish; a word yields at most MaxInputCharsPerWord
    // pieces (longer words become one [UNK]), so this much headroom makes the kept prefix exact.
    private readonly int _wordHeadroom;

    private BertTextEncoder(BertTokenizer tokenizer, int maxLength, bool lowerCase, int largestTokenId)
    {
        _tokenizer = tokenizer;
        _specialTokens = new SpecialTokenMatcher(
        [
            (tokenizer.UnknownToken, tokenizer.UnknownTokenId), (tokenizer.SeparatorToken, tokenizer.SeparatorTokenId),
            (tokenizer.PaddingToken, tokenizer.PaddingTokenId), (tokenizer.ClassificationToken, tokenizer.ClassificationTokenId),
            (tokenizer.MaskingToken, tokenizer.MaskingTokenId),
        ]);
        LargestTokenId = largestTokenId;
        _wordHeadroom = tokenizer.MaxInputCharsPerWord;
        MaxLength = maxLength;
        LowerCase = lowerCase;
    }

    /// <summary>Creates an encoder from a BERT WordPiece vocabulary file (one token per line; the line index is the id).</summary>
    /// <param name="vocabFilePath">Path to <c>vocab.txt</c>. It must contain [PAD], [UNK], [CLS], [SEP] and [MASK].</param>
    /// <param name="options">Casing and maximum length; <see langword="null"/> takes the uncased, 128-token defaults.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="vocabFilePath"/> (nothing, or a directory: the message says which).</exception>
    /// <exception cref="InvalidDataException">The file is empty or lacks one of BERT's special tokens; the message names the file and what it lacks.</exception>
    /// <exception cref="InvalidOptionException">An option is out of range; <see cref="InvalidOptionException.Option"/> names its <see cref="BertTextEncoderOptions"/> property.</exception>
    public static BertTextEncoder Create(string vocabFilePath, BertTextEncoderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vocabFilePath);
        options ??= new BertTextEncoderOptions();
        options.Validate();

        if (Directory.Exists(vocabFilePath))
        {
            throw new FileNotFoundException($"BERT vocabulary '{vocabFilePath}' is a directory; give the path of the vocab.txt file.", vocabFilePath);
        }
        if (!File.Exists(vocabFilePath))
        {
            throw new FileNotFoundException($"BERT vocabulary '{vocabFilePath}' does not exist.", vocabFilePath);
        }

        try
        {
            return Create(File.ReadAllBytes(vocabFilePath), vocabFilePath, options);
        }
        catch (VocabularyRefusedException ex)
        {
            throw ex.AsDataError();
        }
    }

    /// <summary>
    /// As <see cref="Create(string, BertTextEncoderOptions?)"/>, from the bytes of a <c>vocab.txt</c> its caller has read
    /// already (to count or copy them too), so the file is read once.
    /// </summary>
    /// <param name="vocabulary">The file's bytes.</param>
    /// <param name="vocabFilePath">Where they were read from, which a refusal names.</param>
    /// <param name="options">Casing and maximum length; <see langword="null"/> takes the uncased, 128-token defaults.</param>
    /// <exception cref="VocabularyRefusedException">The vocabulary is empty or lacks one of BERT's special tokens.</exception>
    /// <exception cref="InvalidOptionException">An option is out of range.</exception>
    internal static BertTextEncoder Create(byte[] vocabulary, string vocabFilePath, BertTextEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        options ??= new BertTextEncoderOptions();
        options.Validate();

        var tokenizerOptions = new BertOptions
        {
            LowerCaseBeforeTokenization = options.LowerCase,
            // The normaliser strips accents (by default exactly when it lower-cases, as Hugging Face's strip_accents=None:
            // the uncased checkpoints were trained that way, so "café" must become "cafe"), and does the rest of Hugging
            // Face's normalisation, without ICU (see BertTextNormalizer for how the library's own differs).
            RemoveNonSpacingMarks = false,
        };
        // The library sees only the text between special tokens, which this type splits off first, as Hugging Face does;
        // and it splits that text into words as Hugging Face does, where its own split dropped symbols.
        tokenizerOptions.Normalizer = new BertTextNormalizer(options.LowerCase, options.StripAccents, options.IndividuallyTokenizeCjk);
        tokenizerOptions.PreTokenizer = new BertPreTokenizer();

        BertTokenizer tokenizer;
        try
        {
            tokenizer = BertTokenizer.Create(new MemoryStream(vocabulary, writable: false), tokenizerOptions);
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException)
        {
            // The library reports a missing special token as an argument problem; to the caller it is a bad file, said
            // here once, where the bytes are, for every caller (a model's file, a base model's, a teacher's).
            throw VocabularyRefusedException.Of(vocabFilePath, vocabulary, ex);
        }

        return new BertTextEncoder(tokenizer, options.MaxLength, options.LowerCase, CountVocabularyTokens(vocabulary) - 1) { IndividuallyTokenizesCjk = options.IndividuallyTokenizeCjk };
    }

    /// <summary>
    /// The tokens of a <c>vocab.txt</c>: its lines up to the last one that is not blank (an id is a line's index, and
    /// blank lines at the end are no tokens). The largest id is one less.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static int CountVocabularyTokens(string vocabFilePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vocabFilePath);
        using var reader = new StreamReader(vocabFilePath);
        return CountVocabularyTokens(reader);
    }

    /// <summary>As <see cref="CountVocabularyTokens(string)"/>, of a <c>vocab.txt</c>'s bytes read already.</summary>
    internal static int CountVocabularyTokens(byte[] vocabulary)
    {
        using var reader = new StreamReader(new MemoryStream(vocabulary, writable: false));
        return CountVocabularyTokens(reader);
    }

    private static int CountVocabularyTokens(TextReader reader)
    {
        // The library exposes no count of the ids it read.
        int tokens = 0, lineIndex = 0;
        while (reader.ReadLine() is { } line)
        {
            lineIndex++;
            if (line.Length > 0) tokens = lineIndex;
        }
        return tokens;
    }

    /// <summary>The longest sequence <see cref="Encode(ReadOnlySpan{char}, Span{int})"/> writes, counting [CLS] and [SEP].</summary>
    public int MaxLength { get; }

    /// <summary>Whether text is lower-cased and stripped of accents before WordPiece.</summary>
    public bool LowerCase { get; }

    /// <summary>Whether each CJK ideograph is a word of its own (<see cref="BertTextEncoderOptions.IndividuallyTokenizeCjk"/>).</summary>
    internal bool IndividuallyTokenizesCjk { get; private init; } = true;

    /// <summary>Id of [PAD] in the vocabulary.</summary>
    public int PaddingTokenId => _tokenizer.PaddingTokenId;

    /// <summary>Id of [CLS] in the vocabulary; every sequence starts with it.</summary>
    public int ClassificationTokenId => _tokenizer.ClassificationTokenId;

    /// <summary>Id of [SEP] in the vocabulary; every sequence ends with it, truncated or not.</summary>
    public int SeparatorTokenId => _tokenizer.SeparatorTokenId;

    /// <summary>Id of [UNK] in the vocabulary; words WordPiece cannot spell become this one token.</summary>
    public int UnknownTokenId => _tokenizer.UnknownTokenId;

    /// <summary>Id of [MASK] in the vocabulary.</summary>
    public int MaskTokenId => _tokenizer.MaskingTokenId;

    /// <summary>The highest id in the vocabulary: a model's embedding table needs at least this many rows, plus one.</summary>
    public int LargestTokenId { get; }

    /// <summary>WordPiece ids of <paramref name="text"/> alone: no [CLS]/[SEP], no truncation.</summary>
    internal IReadOnlyList<int> EncodePieces(ReadOnlySpan<char> text) => EncodeBody(text, int.MaxValue);

    /// <summary>
    /// The ids of <paramref name="text"/> without [CLS]/[SEP] around it: each special token written exactly in it is its
    /// own id, and the text between them is the library's WordPieces. At most <paramref name="maxTokenCount"/> ids, of
    /// which only the first <paramref name="maxTokenCount"/> − <see cref="WordPieceTokenizer.MaxInputCharsPerWord"/> are
    /// sure to be the text's (the library drops a whole word that does not fit, see <c>_wordHeadroom</c>); a text with
    /// more pieces than that comes back with more ids than that.
    /// </summary>
    private IReadOnlyList<int> EncodeBody(ReadOnlySpan<char> text, int maxTokenCount)
    {
        var special = _specialTokens.FindNext(text, 0);
        if (special is null) return _tokenizer.EncodeToIds(text, maxTokenCount, addSpecialTokens: false, out _, out _);
        var ids = new List<int>();
        for (int start = 0; ids.Count < maxTokenCount; special = _specialTokens.FindNext(text, start))
        {
            // Where the library cuts a stretch short, the ids already run past the sure part, so the ids after the cut,
            // which skip the dropped word, lie past it too.
            int end = special?.Start ?? text.Length;
            if (end > start) ids.AddRange(_tokenizer.EncodeToIds(text[start..end], maxTokenCount - ids.Count, addSpecialTokens: false, out _, out _));
            if (special is not { } token || ids.Count >= maxTokenCount) break;
            ids.Add(token.Id);
            start = token.Start + token.Length;
        }
        return ids;
    }

    /// <summary>The first special token written exactly in <paramref name="text"/> at or after <paramref name="start"/>, which the encoder reads as that token; null when none is.</summary>
    internal (int Start, int Length, int Id)? FindSpecialToken(ReadOnlySpan<char> text, int start) => _specialTokens.FindNext(text, start);

    /// <summary>How many WordPiece tokens <paramref name="text"/> is on its own: no [CLS]/[SEP], no truncation.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return EncodePieces(text).Count;
    }

    private readonly ConcurrentDictionary<char, CharacterRole> _roles = new();

    /// <summary>
    /// What the tokenizer makes of <paramref name="c"/> between two letters: a word break, nothing (the letters join), or
    /// text. Whitespace, control, format and separator characters are asked of the tokenizer itself, once each, since
    /// its rules differ from .NET's (a vertical tab is whitespace to <see cref="char.IsWhiteSpace(char)"/> and dropped here).
    /// </summary>
    internal CharacterRole RoleOf(char c)
    {
        if (!char.IsWhiteSpace(c) && !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) is not
                (UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.SpaceSeparator))
            return CharacterRole.Text;
        return _roles.GetOrAdd(c, probe =>
        {
            var between = EncodePieces($"a{probe}a");
            if (between.SequenceEqual(EncodePieces("a a"))) return CharacterRole.WordBreak;
            return between.SequenceEqual(EncodePieces("aa")) ? CharacterRole.Dropped : CharacterRole.Text;
        });
    }

    /// <summary>Encodes one text to ids: [CLS], at most <see cref="MaxLength"/> − 2 WordPiece ids, [SEP].</summary>
    /// <param name="text">Any text; empty or whitespace-only text encodes to [CLS] [SEP].</param>
    /// <returns>A new array of between 2 and <see cref="MaxLength"/> ids.</returns>
    public int[] Encode(string text) => Encode(text, out _);

    /// <summary><see cref="Encode(string)"/>, also saying whether the text was longer than <see cref="MaxLength"/> and cut.</summary>
    internal int[] Encode(string text, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        int[] buffer = ArrayPool<int>.Shared.Rent(MaxLength);
        try
        {
            int count = Encode(text.AsSpan(), buffer, out truncated);
            return buffer.AsSpan(0, count).ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Encodes one text into <paramref name="destination"/>: [CLS], at most <see cref="MaxLength"/> − 2 WordPiece
    /// ids, [SEP]. Text beyond the limit is cut at token level, so a long word may keep only its first pieces.
    /// </summary>
    /// <param name="text">Any text; empty or whitespace-only text encodes to [CLS] [SEP].</param>
    /// <param name="destination">Receives the ids; must hold at least <see cref="MaxLength"/> values.</param>
    /// <returns>The number of ids written, between 2 and <see cref="MaxLength"/>.</returns>
    public int Encode(ReadOnlySpan<char> text, Span<int> destination) => Encode(text, destination, out _);

    /// <summary>
    /// <see cref="Encode(ReadOnlySpan{char}, Span{int})"/>, also saying whether text was cut: the tokenizer already
    /// returns more pieces than are kept when there are more, so a caller learns it without tokenizing twice.
    /// </summary>
    internal int Encode(ReadOnlySpan<char> text, Span<int> destination, out bool truncated)
    {
        truncated = false;
        if (destination.Length < MaxLength)
        {
            throw new ArgumentException($"Destination holds {destination.Length} ids; it needs MaxLength = {MaxLength}.", nameof(destination));
        }

        int bodyLimit = MaxLength - 2;
        destination[0] = ClassificationTokenId;
        int written = 1;
        // With no room for a body (MaxLength 2) the text is still tokenized: a text of any pieces was cut, to nothing.
        if (!text.IsWhiteSpace())
        {
            IReadOnlyList<int> body = EncodeBody(text, bodyLimit + _wordHeadroom);
            int kept = Math.Min(body.Count, bodyLimit);
            // The headroom asked for beyond the limit is at least one word's pieces, so a text longer than the limit
            // always comes back with more than it.
            truncated = body.Count > bodyLimit;
            for (int i = 0; i < kept; i++)
            {
                destination[written++] = body[i];
            }
        }

        destination[written++] = SeparatorTokenId;
        return written;
    }

    /// <summary>
    /// Encodes texts into one batch padded to the longest encoded text among them (not to <see cref="MaxLength"/>),
    /// so short batches cost short tensors.
    /// </summary>
    /// <param name="texts">One or more texts; each is encoded as by <see cref="Encode(string)"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its texts is null; for a text, the parameter is named <c>texts[i]</c>, as <c>TextClassifier.PredictBatch</c> names it.</exception>
    /// <exception cref="ArgumentException"><paramref name="texts"/> is empty.</exception>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one text.", nameof(texts));
        }

        int batchSize = texts.Count;
        // Encode into a pooled scratch of MaxLength per row first: the padded width is only known at the end.
        int[] scratch = ArrayPool<int>.Shared.Rent(batchSize * MaxLength);
        int[] lengths = ArrayPool<int>.Shared.Rent(batchSize);
        try
        {
            for (int row = 0; row < batchSize; row++)
            {
                string text = texts[row] ?? throw new ArgumentNullException($"{nameof(texts)}[{row}]");
                lengths[row] = Encode(text.AsSpan(), scratch.AsSpan(row * MaxLength, MaxLength));
            }

            return EncodedBatch.FromTokenIds(batchSize, row => scratch.AsSpan(row * MaxLength, lengths[row]), PaddingTokenId);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(scratch);
            ArrayPool<int>.Shared.Return(lengths);
        }
    }
}

/// <summary>What <see cref="BertTextEncoder.RoleOf"/> finds a character to be.</summary>
internal enum CharacterRole
{
    /// <summary>Part of a word, or a word of its own (punctuation).</summary>
    Text,

    /// <summary>Separates words, as a space does.</summary>
    WordBreak,

    /// <summary>Removed before tokenizing, so the text on either side joins.</summary>
    Dropped,
}
