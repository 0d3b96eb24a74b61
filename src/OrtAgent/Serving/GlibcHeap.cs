using System.Runtime.InteropServices;

namespace OrtAgent.Serving;

/// <summary>
/// Gives the pages a freed model left in glibc's malloc arenas back to the system. A reload frees two ONNX Runtime
/// sessions (prediction and explanation), and glibc returns freed memory to the system on its own only from the top of
/// its main arena: the rest stayed resident, fragmented across the per-thread arenas, and resident memory grew with
/// each <c>/admin/reload</c> (403 MB to 1.29 GB after 70 reloads of a MiniLM model; near 690 MB with
/// <c>MALLOC_ARENA_MAX=1</c>). <c>malloc_trim(0)</c> releases the free pages inside every arena.
/// </summary>
/// <remarks>Elsewhere than glibc on Linux (musl, macOS, Windows) there is no such call, and nothing is done.</remarks>
internal static class GlibcHeap
{
    /// <summary>Returns every arena's free pages to the system; true where glibc released any.</summary>
    public static bool ReturnFreePages()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;   // musl has no malloc_trim
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
