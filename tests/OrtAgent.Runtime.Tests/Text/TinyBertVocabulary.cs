namespace OrtAgent.Runtime.Tests.Text;

/// <summary>
/// A 30-token BERT vocab.txt written to a temporary folder, small enough that every expected id in the
/// tests can be read off the line list below (id = line index). Deleted on dispose.
/// </summary>
public sealed class TinyBertVocabulary : IDisposable
{
    /// <summary>The lines of vocab.txt; a token's id is its index here.</summary>
    public static readonly string[] Tokens =
    [
        "[PAD]",    // 0
        "[UNK]",    // 1
        "[CLS]",    // 2
        "[SEP]",    // 3
        "[MASK]",   // 4
        "the",      // 5
        "movie",    // 6
        "was",      // 7
        "great",    // 8
        "!",        // 9
        ",",        // 10
        ".",        // 11
        "un",       // 12
        "##believ", // 13
        "##ably",   // 14
        "good",     // 15
        "cafe",     // 16
        "hello",    // 17
        "world",    // 18
        "play",     // 19
        "##ing",    // 20
        "##s",      // 21
        "Hello",    // 22 (only a cased encoder can reach it)
        "a",        // 23
        "film",     // 24
        "bad",      // 25
        "?",        // 26
        "it",       // 27
        "is",       // 28
        "fun",      // 29
    ];

    private readonly TempDirectory _directory = new("vocab");

    /// <summary>Writes <paramref name="lines"/> (default: <see cref="Tokens"/>) as vocab.txt in a new temporary folder.</summary>
    public TinyBertVocabulary(IEnumerable<string>? lines = null)
    {
        FilePath = _directory.Write("vocab.txt", string.Join('\n', lines ?? Tokens) + "\n");
    }

    /// <summary>Full path of the written vocab.txt.</summary>
    public string FilePath { get; }

    public void Dispose() => _directory.Dispose();
}
