using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Tests.Checkpoints;

/// <summary>
/// <see cref="MountPoint.IsListedIn"/> on mount tables written here: a bind mount of a folder on the same file system
/// (what docker run -v gives) has its parent's device number, so the table is what tells it.
/// </summary>
public sealed class MountPointTests
{
    private const string MountInfo =
        "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n" +
        "44 26 254:0 /home/me/out /home/me/out rw,relatime - ext4 /dev/vda rw\n" +
        "45 26 254:0 /srv/fm.csv /srv/fm.csv rw,relatime - ext4 /dev/vda rw\n" +
        "46 26 0:50 / /mnt/my\\040models rw,relatime shared:1 - tmpfs tmpfs rw\n";

    [Theory]
    [InlineData("/home/me/out")]
    [InlineData("/home/me/out/")]
    [InlineData("/srv/fm.csv")]
    [InlineData("/mnt/my models")]
    public void AMountPointIsListed(string path) => Assert.True(MountPoint.IsListedIn(MountInfo, path));

    [Theory]
    [InlineData("/home/me/out/model")] // a folder inside a mount is an ordinary folder
    [InlineData("/home/me")]
    [InlineData("/mnt/my\\040models")] // the table's escape is not the path
    [InlineData("/")] // the root is refused as the root, never as a mount
    public void AnyOtherPathIsNot(string path) => Assert.False(MountPoint.IsListedIn(MountInfo, path));

    [UnixFact("EBUSY is a Unix error number")]
    public void OnlyTheKernelsBusyErrorIsAMountPointsRefusal()
    {
        Assert.True(MountPoint.IsBusy(new IOException("Device or resource busy", 16)));
        Assert.False(MountPoint.IsBusy(new IOException("No space left on device", 28)));
    }

    /// <summary>
    /// An output that is a mount point (docker run -v $PWD/out:/out … --output /out) trained every step and then failed
    /// renaming it aside, an internal error. /proc is a mount point on every Linux, the one a test can count on.
    /// </summary>
    [LinuxFact("elsewhere the failed rename is translated instead (CommandErrorHandler)")]
    public void AMountPointIsRefusedAsADestinationBeforeAnyWork()
    {
        Assert.True(MountPoint.Is("/proc"));
        Assert.False(MountPoint.Is("/proc/self/fd"));

        var refused = Assert.Throws<UserInputException>(() => DestinationGuard.EnsureReplaceable("/proc", DirectoryLayout.ExportedModel, "--output /proc"));

        Assert.Equal("--output /proc: is a mount point, which OrtAgent cannot replace whole; give a folder inside it, e.g. /proc/model", refused.Message);
    }
}
