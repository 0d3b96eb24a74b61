using System.Runtime.InteropServices;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Swaps two existing directories in one step on Linux (<c>renameat2(2)</c> with <c>RENAME_EXCHANGE</c>, glibc 2.28 and
/// later), so there is no moment at which the destination is missing: a reader, or a process killed mid-swap, finds
/// the old directory or the new one at its name.
/// </summary>
internal static class DirectoryExchange
{
    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;

    /// <summary>
    /// Exchanges <paramref name="first"/> and <paramref name="second"/>, siblings on one volume; false where the system
    /// cannot (another system, an older libc or kernel, a file system without the exchange) or a crash test asks for
    /// the renames (<see cref="CrashPoint.SwapVariable"/>), and nothing was moved.
    /// </summary>
    public static bool TrySwap(string first, string second)
    {
        if (!OperatingSystem.IsLinux() || CrashPoint.SwapsByRenames) return false;
        try
        {
            // Any failure leaves both in place. EINVAL and ENOSYS mean no exchange here; whatever else went wrong, the
            // renames the caller falls back to meet it again and report it as .NET reports a failed move.
            return RenameAt2(AtFdCwd, first, AtFdCwd, second, RenameExchange) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "renameat2")]
    private static extern int RenameAt2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, int newDirectory,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);
}
