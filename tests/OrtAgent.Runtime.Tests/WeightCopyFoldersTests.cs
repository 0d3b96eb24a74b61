using System.Diagnostics;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// The folders external data files are copied into are named for their owner, and a copy removes those whose owner is
/// gone: a process killed between copying a model's weights and removing the copy left them in the temporary directory
/// for good, one folder the size of the weights at every such kill.
/// </summary>
public sealed class WeightCopyFoldersTests : IDisposable
{
    private readonly TempDirectory _temporary = new("weight-copies");

    public void Dispose() => _temporary.Dispose();

    private string Folder(string name)
    {
        var path = _temporary.Combine(name);
        Directory.CreateDirectory(path);
        File.WriteAllBytes(Path.Combine(path, "model.onnx.data"), new byte[16]);
        return path;
    }

    private static long StartOfThisProcess()
    {
        using var self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime).ToUnixTimeSeconds();
    }

    [Fact]
    public void AFolderOfAProcessThatNoLongerRunsIsRemovedAndThisProcesssIsKept()
    {
        // Above any pid_max (at most 2^22 on Linux): no process has this id.
        var dead = Folder($"ortagent-weights-2147483600-{StartOfThisProcess()}-abcdefghijk");
        var own = WeightCopyFolders.Create(_temporary.Path).FullName;
        File.WriteAllBytes(Path.Combine(own, "model.onnx.data"), new byte[16]);

        WeightCopyFolders.SweepAbandoned(_temporary.Path);

        Assert.False(Directory.Exists(dead));
        Assert.True(File.Exists(Path.Combine(own, "model.onnx.data")));
        Assert.StartsWith($"ortagent-weights-{Environment.ProcessId}-", Path.GetFileName(own));
    }

    /// <summary>Process ids are reused: a process with the owner's id that started at another time is not the owner.</summary>
    [Fact]
    public void AFolderWhoseIdARunningProcessHasButThatStartedAnotherTimeIsRemoved()
    {
        var reused = Folder($"ortagent-weights-{Environment.ProcessId}-{StartOfThisProcess() - 3600}-abcdefghijk");

        WeightCopyFolders.SweepAbandoned(_temporary.Path);

        Assert.False(Directory.Exists(reused));
    }

    /// <summary>A name that says no owner may be an older OrtAgent's copy in the making: it is left alone, as anything else is.</summary>
    [Fact]
    public void FoldersWhoseNamesSayNoOwnerAreKept()
    {
        var unowned = Folder("ortagent-weights-x1b2c3");
        var other = Folder("ortagent-weightsy-1-2-abc");

        WeightCopyFolders.SweepAbandoned(_temporary.Path);

        Assert.True(Directory.Exists(unowned));
        Assert.True(Directory.Exists(other));
    }
}
