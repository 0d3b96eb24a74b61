using System.Diagnostics;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>Leftovers of dead processes are swept; a live process's, and this process's own, are not.</summary>
public sealed class TemporarySiblingsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ortagent-siblings-" + Guid.NewGuid().ToString("N"));

    public TemporarySiblingsTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true"))!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public void SweepsADeadProcesssStagingAndTemporaryFileButNotALiveOne()
    {
        int dead = DeadProcessId();
        using var alive = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            var target = Path.Combine(_root, "model");
            Directory.CreateDirectory(target + $".tmp-{dead}");
            File.WriteAllText(Path.Combine(_root, $".out.csv.tmp-{dead}"), "half");
            Directory.CreateDirectory(target + $".promote-{alive.Id}");
            File.WriteAllText(Path.Combine(_root, "model.tmp-notapid"), "a user's file");

            Assert.Equal(1, TemporarySiblings.Sweep(target));
            Assert.Equal(1, TemporarySiblings.Sweep(Path.Combine(_root, "out.csv")));

            Assert.Equal([$"model.promote-{alive.Id}", "model.tmp-notapid"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).Order());
        }
        finally
        {
            alive.Kill();
        }
    }

    [Fact]
    public void ARetiredCopyWhoseTargetIsGoneIsRestored()
    {
        var target = Path.Combine(_root, "model");
        var retired = Directory.CreateDirectory(target + $".replaced-{DeadProcessId()}").FullName;
        File.WriteAllText(Path.Combine(retired, "model.onnx"), "the previous model");

        TemporarySiblings.Sweep(target);

        Assert.Equal("the previous model", File.ReadAllText(Path.Combine(target, "model.onnx")));
        Assert.False(Directory.Exists(retired));
    }

    [Fact]
    public void ANameThisProcessHandedOutIsInUseButAnEarlierProcesssWithTheSameIdIsNot()
    {
        var target = Path.Combine(_root, "model");
        var mine = Directory.CreateDirectory(TemporarySiblings.For(target, "tmp")).FullName;
        var leftover = Directory.CreateDirectory(Path.Combine(_root, $".model.pulling-{Environment.ProcessId}")).FullName;

        TemporarySiblings.Sweep(target);

        Assert.True(Directory.Exists(mine));
        Assert.False(Directory.Exists(leftover));
    }
}
