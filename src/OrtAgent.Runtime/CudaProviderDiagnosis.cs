using System.Runtime.InteropServices;

namespace OrtAgent.Runtime;

/// <summary>
/// Why ONNX Runtime's CUDA provider did not load. ONNX Runtime reports only "Failed to load shared library" (the
/// reason goes to its own log); loading the provider library the same way the runtime does gives the loader's own
/// message, such as which CUDA library is missing.
/// </summary>
internal static class CudaProviderDiagnosis
{
    private static string LibraryName =>
        OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";

    /// <summary>
    /// One sentence on why the CUDA provider cannot be used here: the app carries no provider library, or the
    /// system loader's reason for refusing it; <see langword="null"/> when it loads after all.
    /// </summary>
    public static string? Explain()
    {
        var library = FindProviderLibrary();
        // Said for two readers: one who built this repository (its default build is the CPU one) and one whose app
        // takes OrtAgent.Runtime as a package, which depends on the CPU package of ONNX Runtime; -p:OrtAgentDevice is
        // a switch of this repository's build only, so the line says where the provider comes from, not just the switch.
        if (library is null)
            return $"the ONNX Runtime in this process has no CUDA provider (no {LibraryName} beside the app or in runtimes/{RuntimeIdentifier}/native): "
                + "the OrtAgent.Runtime package and OrtAgent's default build run Microsoft.ML.OnnxRuntime, which is CPU-only; "
                + "for CUDA, build OrtAgent from source with -p:OrtAgentDevice=cuda (Microsoft.ML.OnnxRuntime.Gpu; see the README's GPU paragraph) "
                + "and run it on a machine with an NVIDIA GPU and a CUDA 13 driver";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(library));
            return null;
        }
        catch (DllNotFoundException ex)
        {
            // .NET puts the loader's own message (dlerror on Linux) on the last line.
            var reason = ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
            return $"{reason} (the CUDA provider needs the CUDA 13 runtime, cuBLAS and cuDNN 9 on the library path, and an NVIDIA driver)";
        }
    }

    /// <summary>The folder name NuGet's native assets go under for this process, such as linux-x64.</summary>
    private static string RuntimeIdentifier =>
        $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";

    private static string? FindProviderLibrary()
    {
        // Beside the application (self-contained publish) or under runtimes/<rid>/native (framework-dependent build).
        var candidates = new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeIdentifier, "native") };
        return candidates.Select(directory => Path.Combine(directory, LibraryName)).FirstOrDefault(File.Exists);
    }
}
