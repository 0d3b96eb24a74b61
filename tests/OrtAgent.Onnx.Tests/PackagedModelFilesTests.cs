namespace OrtAgent.Onnx.Tests;

public sealed class PackagedModelFilesTests : IDisposable
{
    private readonly TempDirectory _directory = new("package");

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// A corrupt package DLL made Assembly.LoadFrom throw BadImageFormatException, which no caller expects: creating a
    /// job on that base was a 500. It is the InvalidDataException a bad server file is, naming the DLL.
    /// </summary>
    [Fact]
    public void ACorruptPackageDllIsInvalidDataNamingIt()
    {
        string path = _directory.Combine("SentenceTransformers.Broken.dll");
        File.WriteAllBytes(path, "MZ this is no assembly"u8.ToArray());

        var refusal = Assert.Throws<InvalidDataException>(() => PackagedModelFiles.OpenFrom(path, "SentenceTransformers.Broken", "vocab.txt"));

        Assert.Contains($"'{path}'", refusal.Message);
        Assert.Contains("not a readable .NET assembly", refusal.Message);
    }
}
