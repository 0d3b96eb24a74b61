namespace OrtAgent.Training.Checkpoints;

/// <summary>Tells a write that failed for want of space from other I/O failures, which .NET gives the same type.</summary>
public static class DiskFull
{
    /// <summary>
    /// True for ENOSPC (28) or EDQUOT (122, a quota), which .NET puts in HResult on Linux, and for Windows'
    /// ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL.
    /// </summary>
    public static bool Is(IOException ex) => ex.HResult switch
    {
        28 or 122 when !OperatingSystem.IsWindows() => true,
        unchecked((int)0x80070070) or unchecked((int)0x80070027) => true,
        _ => false,
    };
}
