using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Tests.TextClassifiers;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>
/// The sweep of write probes (<c>.ortagent-probe-PID-GUID</c>) that a process killed in the instant one existed left:
/// those of processes gone go, a running process's stay, and nothing else is touched.
/// </summary>
public sealed class WriteProbeTests : IDisposable
{
    private readonly TempDirectory _folder = new("write-probe");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void OnlyTheProbesOfProcessesNoLongerRunningAreSwept()
    {
        string Plant(string name)
        {
            var path = _folder.Combine(name);
            File.WriteAllBytes(path, []);
            return path;
        }
        var dead = Plant($".ortagent-probe-{TextClassifierWritableFoldersTests.DeadProcessId}-{Guid.NewGuid():N}");
        // An earlier process that had this one's id (containers): this process holds no such probe open.
        var earlierWithOurId = Plant($".ortagent-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        // Process 1 runs as long as the machine does.
        var running = Plant($".ortagent-probe-1-{Guid.NewGuid():N}");
        var lookAlike = Plant(".ortagent-probe-notes");

        Assert.Equal(2, WriteProbe.SweepLeftoversIn(_folder.Path));

        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(earlierWithOurId));
        Assert.True(File.Exists(running));
        Assert.True(File.Exists(lookAlike));
    }

    [Fact]
    public void AProbeLeavesNothingBehind()
    {
        WriteProbe.CreateAndDelete(WriteProbe.PathIn(_folder.Path));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder.Path));
    }
}
