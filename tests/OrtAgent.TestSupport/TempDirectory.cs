namespace OrtAgent.TestSupport;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates <c>ortagent-<paramref name="prefix"/>-&lt;guid&gt;</c>; the prefix tells a leftover folder's test.</summary>
    public TempDirectory(string prefix = "tests")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ortagent-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the directory (nothing is created).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes <paramref name="content"/> exactly (no newline conversion) as <paramref name="name"/> and returns its path.</summary>
    public string Write(string name, string content)
    {
        string path = Combine(name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
