using OrtAgent.FineTuningService.Store;
using OrtAgent.Inference;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// An output or a store under a path one of whose parents is a file says so, naming the option and the file. predict
/// said "the directory FILE does not exist" and serve "Could not find a part of the path" (seen by hand).
/// </summary>
public sealed class FileOnPathTests : IDisposable
{
    private readonly TempDirectory _root = new("file-on-path");

    public void Dispose() => _root.Dispose();

    [Fact]
    public void AnOutputUnderAFileSaysTheFileIsNotADirectory()
    {
        string file = _root.Write("notes.txt", "x");
        string output = Path.Combine(file, "x.csv");

        var refused = Assert.Throws<UserInputException>(() => AtomicOutputFile.CheckLocation(output, "--output", _root.Combine("model")));

        Assert.Equal($"--output {output}: '{file}' is a file, not a directory", refused.Message);
    }

    [Fact]
    public void AStoreUnderAFileSaysTheFileIsNotADirectoryAndMakesNothing()
    {
        string file = _root.Write("notes.txt", "x");
        string store = Path.Combine(file, "deeper", "store");

        var refused = Assert.Throws<UserInputException>(() => FineTuningStore.Open(store));

        Assert.Equal($"--store {store}: '{file}' is a file, not a directory", refused.Message);
        Assert.Equal([file], Directory.EnumerateFileSystemEntries(_root.Path));
    }
}
