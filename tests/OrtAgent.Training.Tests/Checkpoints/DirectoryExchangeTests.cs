using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>
/// <see cref="DirectoryExchange.TrySwap"/>, the one step <see cref="AtomicDirectory.Replace"/> takes on Linux: two
/// directories trade names, and where it cannot, nothing moves, so the two renames it falls back to find both in place.
/// </summary>
public sealed class DirectoryExchangeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ortagent-exchange-" + Guid.NewGuid().ToString("N"));

    public DirectoryExchangeTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string WithFile(string name, string text)
    {
        var directory = Path.Combine(_root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "model.safetensors"), text);
        return directory;
    }

    [Fact]
    public void TwoDirectoriesTradeNamesOnLinux()
    {
        var target = WithFile("target", "old");
        var staging = WithFile("target.tmp-1", "new");

        bool swapped = DirectoryExchange.TrySwap(staging, target);

        Assert.Equal(OperatingSystem.IsLinux(), swapped);
        Assert.Equal(swapped ? "new" : "old", File.ReadAllText(Path.Combine(target, "model.safetensors")));
        Assert.Equal(swapped ? "old" : "new", File.ReadAllText(Path.Combine(staging, "model.safetensors")));
    }

    [Fact]
    public void WithoutATargetNothingMoves()
    {
        var staging = WithFile("target.tmp-1", "new");
        var target = Path.Combine(_root, "target");

        Assert.False(DirectoryExchange.TrySwap(staging, target));

        Assert.False(Directory.Exists(target));
        Assert.Equal("new", File.ReadAllText(Path.Combine(staging, "model.safetensors")));
    }
}
