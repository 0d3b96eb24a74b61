using System.Diagnostics;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// Whether a leftover's writer may still run: its process id must name a running process that started before the
/// leftover was last written. A process id alone kept a dead writer's leftover for as long as any process had the id.
/// </summary>
public sealed class RunningProcessesTests : IDisposable
{
    private readonly TempDirectory _directory = new("writers");

    public void Dispose() => _directory.Dispose();

    private static DateTime ThisProcessStarted()
    {
        using var self = Process.GetCurrentProcess();
        return self.StartTime.ToUniversalTime();
    }

    [Fact]
    public void ALeftoverThisProcessMayHaveWrittenIsALiveWritersAndOneWrittenBeforeItStartedIsNot()
    {
        var written = System.IO.Directory.CreateDirectory(_directory.Combine($"model.replaced-{Environment.ProcessId}")).FullName;
        var older = System.IO.Directory.CreateDirectory(_directory.Combine($"other.replaced-{Environment.ProcessId}")).FullName;
        System.IO.Directory.SetLastWriteTimeUtc(older, ThisProcessStarted().AddHours(-1));

        Assert.True(RunningProcesses.IsWriterRunning(Environment.ProcessId, written));
        Assert.False(RunningProcesses.IsWriterRunning(Environment.ProcessId, older));
    }

    [Fact]
    public void WithinTheClockSlackOfItsStartTheProcessStillCountsAsTheWriter()
    {
        var close = System.IO.Directory.CreateDirectory(_directory.Combine("close")).FullName;
        System.IO.Directory.SetLastWriteTimeUtc(close, ThisProcessStarted() - RunningProcesses.ClockSlack / 2);

        Assert.True(RunningProcesses.IsWriterRunning(Environment.ProcessId, close));
    }

    [Fact]
    public void AnExitedWritersLeftoverIsNotALiveOnesAndAnEntryThatIsGoneIsNotJudged()
    {
        int gone;
        using (var exited = Process.Start(new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!)
        {
            exited.WaitForExit();
            gone = exited.Id;
        }
        var leftover = System.IO.Directory.CreateDirectory(_directory.Combine($"model.replaced-{gone}")).FullName;

        Assert.False(RunningProcesses.IsWriterRunning(gone, leftover));
        Assert.True(RunningProcesses.IsWriterRunning(Environment.ProcessId, _directory.Combine("moved-away")));
    }
}
