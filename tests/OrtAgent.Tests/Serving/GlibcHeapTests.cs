using System.Runtime.InteropServices;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A reload's freed sessions stayed resident in glibc's arenas (RSS grew with every /admin/reload); the server now
/// returns the free pages after a model is disposed. Here: holes freed between blocks still in use, which glibc does not
/// return by itself, are returned; where there is no glibc, nothing fails.
/// </summary>
public sealed class GlibcHeapTests
{
    [Fact]
    public void FreedPagesBetweenBlocksInUseAreReturnedOnGlibc()
    {
        bool glibc = OperatingSystem.IsLinux() && File.ReadAllText("/proc/self/maps").Contains("libc.so.6", StringComparison.Ordinal);
        // 64 KiB blocks, under malloc's mmap threshold, so they come from an arena; every other one freed leaves holes
        // with blocks in use on both sides, which free() cannot give back.
        var blocks = Enumerable.Range(0, 512).Select(_ => Marshal.AllocHGlobal(64 * 1024)).ToArray();
        try
        {
            // Written to, so that their pages are resident.
            foreach (var block in blocks)
                for (int offset = 0; offset < 64 * 1024; offset += 4096) Marshal.WriteByte(block, offset, 1);
            for (int i = 0; i < blocks.Length; i += 2) Marshal.FreeHGlobal(blocks[i]);

            Assert.Equal(glibc, GlibcHeap.ReturnFreePages());
        }
        finally
        {
            for (int i = 1; i < blocks.Length; i += 2) Marshal.FreeHGlobal(blocks[i]);
        }
    }
}
