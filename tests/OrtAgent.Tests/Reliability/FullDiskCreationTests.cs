using OrtAgent.FineTuningService.Store;
using OrtAgent.Inference;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// A full disk met while <em>creating</em> a file or folder (ENOSPC at the open, seen by hand on a full tmpfs, where even
/// an empty file finds no room) reaches the CLI's full-disk line (exit 1) as the IOException it is. An output's temporary
/// file, a destination's write probe and the store's folders each turned it into a refusal of what was typed (exit 2).
/// The failure is armed with <see cref="CreationFault"/>, as filling a disk needs a mount and root.
/// </summary>
public sealed class FullDiskCreationTests : IDisposable
{
    private readonly TempDirectory _root = new("full-disk-creation");

    public void Dispose() => _root.Dispose();

    private static IOException Full() => new("No space left on device : '/somewhere/full'", 28);

    [Fact]
    public void AnOutputFileWhoseTemporaryCannotBeCreatedOnAFullDiskIsAFullDiskNotARefusal()
    {
        var full = Full();
        string output = _root.Combine("predictions.csv");
        using (CreationFault.Arm(full))
            Assert.Same(full, Assert.Throws<IOException>(() => AtomicOutputFile.Create(output, "--output")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path));
    }

    [Fact]
    public void ADestinationWhoseWriteProbeFindsTheDiskFullIsAFullDiskNotARefusal()
    {
        var full = Full();
        using (CreationFault.Arm(full))
            Assert.Same(full, Assert.Throws<IOException>(() => DestinationGuard.EnsureWritable(_root.Combine("model"), "--output model")));
    }

    [Fact]
    public void AStoreWhoseFolderCannotBeCreatedOnAFullDiskIsAFullDiskAndLeavesNothing()
    {
        var full = Full();
        using (CreationFault.Arm(full))
            Assert.Same(full, Assert.Throws<IOException>(() => FineTuningStore.Open(_root.Combine("new", "store"))));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path));
    }

    /// <summary>What the seam stands for is still refused as before when it is not a full disk.</summary>
    [Fact]
    public void AnOutputFileWhoseTemporaryCannotBeCreatedForAnotherReasonIsStillARefusal()
    {
        string output = _root.Combine("predictions.csv");
        using (CreationFault.Arm(new IOException("Read-only file system : '/somewhere'", 30)))
            Assert.StartsWith($"{output}: cannot write the output: ", Assert.Throws<UserInputException>(() => AtomicOutputFile.Create(output, "--output")).Message);
    }
}
