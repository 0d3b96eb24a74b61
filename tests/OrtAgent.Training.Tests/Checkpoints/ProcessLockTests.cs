using System.Diagnostics;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>One holder at a time, within a process and across processes; a killed holder's claim is gone with it.</summary>
public sealed class ProcessLockTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ortagent-lock-" + Guid.NewGuid().ToString("N"));

    private string LockFile => Path.Combine(_root, "sub", ".run.lock");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>
    /// A file where the lock's folder should be (<c>artifacts --output FILE/a</c>) was "cannot create the lock file: The
    /// file … already exists", naming neither the file in the way nor what is wrong with it.
    /// </summary>
    [Fact]
    public void AFileWhereTheLocksFolderShouldBeIsNamed()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "sub"), "not a folder");

        var refused = Assert.Throws<UserInputException>(() => ProcessLock.Acquire(LockFile, "busy: wait"));

        Assert.Equal($"{LockFile}: cannot create the lock file: '{Path.Combine(_root, "sub")}' is a file, not a directory", refused.Message);
    }

    /// <summary>A directory at the lock's path was reported "(permission denied)": .NET on Linux calls opening one that.</summary>
    [Fact]
    public void ADirectoryWhereTheLockFileShouldBeIsNamed()
    {
        Directory.CreateDirectory(LockFile);

        var refused = Assert.Throws<UserInputException>(() => ProcessLock.Acquire(LockFile, "busy: wait", claimed: "--resume /w/run"));

        Assert.Equal($"--resume /w/run: cannot create its lock file '{LockFile}' ('{LockFile}' is a directory)", refused.Message);
    }

    /// <summary>
    /// A read-only mount was reported in .NET's words, which repeat the path: "(Read-only file system : '…')". Tests
    /// cannot mount one, so the refusal is given the exception .NET raises there: an IOException carrying EROFS (30).
    /// </summary>
    [Fact]
    public void AReadOnlyFileSystemIsSaidOnceWithoutThePathAgain()
    {
        var readOnly = new IOException($"Read-only file system : '{LockFile}'", 30);

        var refused = ProcessLock.CannotCreate(LockFile, "--resume /w/run", readOnly);

        Assert.Equal($"--resume /w/run: cannot create its lock file '{LockFile}' (read-only file system)", refused.Message);
        Assert.Same(readOnly, refused.InnerException);
    }

    [Fact]
    public void AnotherFailureKeepsDotNetsWords()
    {
        var refused = ProcessLock.CannotCreate(LockFile, "--resume /w/run", new IOException("No space left on device.", 28));

        Assert.Equal($"--resume /w/run: cannot create its lock file '{LockFile}' (No space left on device)", refused.Message);
    }

    [Fact]
    public void ASecondClaimIsRefusedWithTheCallersMessageUntilTheFirstEnds()
    {
        var first = ProcessLock.Acquire(LockFile, "busy: wait");
        Assert.True(File.Exists(LockFile));   // the directory was created for it

        var refused = Assert.Throws<UserInputException>(() => ProcessLock.Acquire(LockFile, "busy: wait"));
        Assert.Equal("busy: wait", refused.Message);

        first.Dispose();
        using var second = ProcessLock.Acquire(LockFile, "busy: wait");
        Assert.Equal(LockFile, second.Path);
    }

    [Fact]
    public async Task AWaitingClaimIsTakenWhenTheHolderEndsAndRefusedWhenTheWaitRunsOut()
    {
        var holder = ProcessLock.Acquire(LockFile, "busy");

        var refused = Assert.Throws<UserInputException>(() => ProcessLock.AcquireWaiting(LockFile, TimeSpan.FromMilliseconds(300), "busy"));
        Assert.Equal("busy", refused.Message);

        var waiting = Task.Run(() => ProcessLock.AcquireWaiting(LockFile, TimeSpan.FromSeconds(30), "busy"));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        holder.Dispose();
        using var taken = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(LockFile, taken.Path);
    }

    [LinuxFact("a lock file is deleted while still locked only on Linux")]
    public void AnEndedClaimLeavesNeitherItsFileNorTheFolderItMade()
    {
        ProcessLock.Acquire(LockFile, "busy").Dispose();

        Assert.False(File.Exists(LockFile));
        Assert.False(Directory.Exists(Path.GetDirectoryName(LockFile)));
        Assert.True(Directory.Exists(_root));   // it existed before
    }

    /// <summary>
    /// What the claim's check rests on: a process that opened the lock file just before its holder deleted it holds an
    /// unlinked file, and the open file's identity then differs from the path's (a new file, or none).
    /// </summary>
    [LinuxFact("file identities (device, inode) are read from Linux's stat")]
    public void AnOpenFilesIdentityIsThePathsUntilThePathIsDeletedOrReplaced()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockFile)!);
        using var opened = new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        var identity = UnixFileStatus.Identity(opened.SafeFileHandle)!.Value;
        var named = UnixFileStatus.Get(LockFile)!.Value;
        Assert.Equal((named.Device, named.Inode), identity);

        File.Delete(LockFile);
        Assert.Null(UnixFileStatus.Get(LockFile));
        Assert.Equal(identity, UnixFileStatus.Identity(opened.SafeFileHandle));   // still open, unlinked

        using var next = ProcessLock.Acquire(LockFile, "busy");   // a new file at the path, unaffected by the unlinked one
        Assert.NotEqual(identity.Inode, UnixFileStatus.Get(LockFile)!.Value.Inode);
    }

    /// <summary>
    /// A reader that may not write beside a run asks whether anyone holds its lock: no file is no holder, a held lock
    /// is one, within this process or from another, and a file a killed holder left, unlocked, is none. Asking takes
    /// nothing: the holder-to-be claims it right after.
    /// </summary>
    [Fact]
    public async Task IsHeldTellsAHeldLockFromAFileLeftBehindWithoutTakingIt()
    {
        Assert.False(ProcessLock.IsHeld(LockFile));
        using (ProcessLock.Acquire(LockFile, "busy"))
            Assert.True(ProcessLock.IsHeld(LockFile));
        if (!OperatingSystem.IsLinux()) return;
        using var holder = await HoldInAnotherProcessAsync();
        try
        {
            Assert.True(ProcessLock.IsHeld(LockFile));
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        Assert.True(File.Exists(LockFile));
        Assert.False(ProcessLock.IsHeld(LockFile));
        using var mine = ProcessLock.Acquire(LockFile, "asking took it");
    }

    /// <summary>
    /// IsHeld takes a shared lock for the moment of its asking; a claim asked for meanwhile was refused as if another
    /// session held it (an export probing a run made <c>train --resume</c> there refuse to start). A shared lock held
    /// as briefly (20 ms here, released by another thread) delays the claim; one held on is still refused.
    /// </summary>
    [Fact]
    public void AProbesMomentarySharedLockDoesNotRefuseAClaimButOneHeldOnDoes()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockFile)!);
        var probe = OpenAsTheProbeDoes();
        var release = new Thread(() =>
        {
            Thread.Sleep(20);
            probe.Dispose();
        });
        release.Start();
        using (var claimed = ProcessLock.TryAcquire(LockFile))
            Assert.NotNull(claimed);
        release.Join();

        using var heldOn = OpenAsTheProbeDoes();   // the ended claim deleted the file: this is a new one
        Assert.Null(ProcessLock.TryAcquire(LockFile));
    }

    /// <summary>The read-only open IsHeld makes (creating the file it finds): a shared lock, which a claim's exclusive one conflicts with.</summary>
    private FileStream OpenAsTheProbeDoes() => new(LockFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite, 1);

    [LinuxFact("the other process holds the lock with util-linux's flock command")]
    public async Task AClaimHeldByAnotherProcessIsRefusedAndEndsWhenThatProcessIsKilled()
    {
        using var holder = await HoldInAnotherProcessAsync();
        try
        {
            var refused = Assert.Throws<UserInputException>(() => ProcessLock.Acquire(LockFile, "held by another process"));
            Assert.Equal("held by another process", refused.Message);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);   // SIGKILL: no clean-up runs
            await holder.WaitForExitAsync();
        }

        using var mine = ProcessLock.Acquire(LockFile, "still held");
        Assert.Equal(LockFile, mine.Path);
    }

    /// <summary>
    /// Takes the lock in another process, which holds it until killed. flock(1) takes the same kind of lock .NET takes
    /// for FileShare.None and holds it while its child runs; the child says so once it runs. --close keeps the lock out
    /// of the child, so it dies with flock itself, the process killed.
    /// </summary>
    private async Task<Process> HoldInAnotherProcessAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LockFile)!);
        var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", LockFile, "sh", "-c", "echo locked; exec sleep 60"])
        {
            RedirectStandardOutput = true,
        })!;
        var said = holder.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(said, Task.Delay(TimeSpan.FromSeconds(20))) != said || await said != "locked")
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
            holder.Dispose();
            Assert.Fail("flock did not take the lock in 20 s");
        }
        return holder;
    }
}
