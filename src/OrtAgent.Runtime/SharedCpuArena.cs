using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Runtime;

/// <summary>The CPU arena behind <see cref="CpuMemoryMode.SharedArena"/>, registered once per process.</summary>
internal static class SharedCpuArena
{
    /// <summary>The session config entry that makes a session allocate from the environment's allocators.</summary>
    public const string UseEnvironmentAllocatorsKey = "session.use_env_allocators";

    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>
    /// Registers an arena (ONNX Runtime's default arena settings) for CPU memory with the environment, once per process.
    /// Where ONNX Runtime refuses (an application registered its own), sessions share that one instead.
    /// </summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            using var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
            using var defaults = new OrtArenaCfg(0, -1, -1, -1);
            try
            {
                OnnxRuntimeEnvironment.Instance().CreateAndRegisterAllocator(memory, defaults);
            }
            catch (OnnxRuntimeException)
            {
                // Sessions with the config entry use whatever CPU allocator the environment holds.
            }
            _registered = true;
        }
    }
}
