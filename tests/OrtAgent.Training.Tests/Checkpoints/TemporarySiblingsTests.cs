using System.Diagnostics;
using OrtAgent.Runtime;
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

    /// <summary>
    /// A destination named up to the limit of 255 bytes made temporaries and a lock file longer than that, which no
    /// file system takes: they are cut short, the same way in every process, so a dead one's leftover is still swept.
    /// </summary>
    [Fact]
    public void ALongNamesSiblingsFitAndADeadProcesssLeftoverIsSwept()
    {
        var target = Path.Combine(_root, new string('n', 245) + ".jsonl");
        var mine = TemporarySiblings.For(target, "tmp", hidden: true);
        var deadOnes = mine[..mine.LastIndexOf('-')] + $"-{DeadProcessId()}";
        File.WriteAllText(mine, "this process's");
        File.WriteAllText(deadOnes, "half");

        Assert.Equal(1, TemporarySiblings.Sweep(target));

        Assert.Equal([mine], Directory.GetFiles(_root));
        var lockFile = Path.GetFileName(ProcessLock.FileBeside(target));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(lockFile) <= 255, lockFile);
        Assert.Equal(lockFile, Path.GetFileName(ProcessLock.FileBeside(target + Path.DirectorySeparatorChar)));
        Assert.NotEqual(lockFile, Path.GetFileName(ProcessLock.FileBeside(Path.Combine(_root, new string('n', 245) + ".json"))));
    }

    /// <summary>
    /// A leftover whose writer's process id a running process now has is kept, even written long before that process
    /// started: the sweep deletes, and a wall clock stepped forward or a file server's clock behind this machine's
    /// would make a live writer's files look that old (the loader's message goes by those times; the sweep does not).
    /// </summary>
    [Fact]
    public void ALeftoverWhoseIdARunningProcessHasIsKeptHoweverOld()
    {
        using var running = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            var target = Path.Combine(_root, "model");
            var old = Directory.CreateDirectory(target + $".tmp-{running.Id}").FullName;
            Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));

            Assert.Equal(0, TemporarySiblings.Sweep(target));

            Assert.True(Directory.Exists(old));
        }
        finally
        {
            running.Kill();
        }
    }

    /// <summary>
    /// The loader looked for an interrupted replace's leftover by the destination's full name, but the writer cuts a
    /// long name to a stem ending in a hash: a long-named model's previous copy was never named. The loader now uses
    /// the writer's rule; the copy here carries this process's id but was written before it started (a container's
    /// writer and loader both being process 1), so it is a dead writer's.
    /// </summary>
    [Fact]
    public void TheLoaderNamesTheRetiredCopyOfALongNamedModelAsTheWriterNamedIt()
    {
        var model = Path.Combine(_root, new string('m', 240));
        var retired = Directory.CreateDirectory(TemporarySiblings.For(model, "replaced")).FullName;
        Assert.NotEqual(Path.GetFileName(model) + $".replaced-{Environment.ProcessId}", Path.GetFileName(retired));
        using (var self = Process.GetCurrentProcess())
            Directory.SetLastWriteTimeUtc(retired, self.StartTime.ToUniversalTime().AddHours(-1));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(model));

        Assert.Equal($"{model}: model directory does not exist; an interrupted replace left the previous model in {retired}; write the model again or rename it back",
            error.Message);
    }

    /// <summary>
    /// Each name For handed out stayed listed for the life of the process, so a service running job after job (each with
    /// its own checkpoint, model and log paths) grew the list without bound. A write that succeeded releases its name: a
    /// file of that name found later is a leftover (of an earlier process with this id, as in containers), swept.
    /// </summary>
    [Fact]
    public void AFileWrittenInPlaceReleasesItsTemporaryName()
    {
        var target = Path.Combine(_root, "state.json");
        AtomicFile.WriteAllText(target, "{}");
        var leftover = Path.Combine(_root, $".state.json.tmp-{Environment.ProcessId}");
        File.WriteAllText(leftover, "half");

        Assert.Equal(1, TemporarySiblings.Sweep(target));

        Assert.False(File.Exists(leftover));
        Assert.Equal("{}", File.ReadAllText(target));
    }

    [Fact]
    public void ADirectoryPutInPlaceReleasesTheNameItsOldCopyWaitedUnder()
    {
        var target = Path.Combine(_root, "model");
        var staging = Directory.CreateDirectory(Path.Combine(_root, "staged")).FullName;
        File.WriteAllText(Path.Combine(staging, "vocab.txt"), "[PAD]");
        AtomicDirectory.Replace(staging, target, DirectoryLayout.ExportedModel);
        var leftover = Directory.CreateDirectory(target + $".replaced-{Environment.ProcessId}").FullName;

        Assert.Equal(1, TemporarySiblings.Sweep(target));

        Assert.False(Directory.Exists(leftover));
        Assert.True(File.Exists(Path.Combine(target, "vocab.txt")));
    }

    /// <summary>A failed write keeps its name, so its error can still be told with the destination's (a full disk's line).</summary>
    [Fact]
    public void AFailedWriteKeepsItsTemporaryNameForItsError()
    {
        var target = Path.Combine(_root, "metrics.csv");
        var temporary = Path.Combine(_root, $".metrics.csv.tmp-{Environment.ProcessId}");

        var error = Assert.Throws<IOException>(() => AtomicFile.Write(target, _ => throw new IOException($"No space left on device : '{temporary}'")));

        Assert.Equal($"No space left on device : '{target}'", TemporarySiblings.NameDestinations(error.Message));
        Assert.False(File.Exists(temporary));
    }
}
