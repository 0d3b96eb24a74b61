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
    /// One sentence on why the CUDA provider cannot be used here: the build carries no provider library, or the
    /// system loader's reason for refusing it; <see langword="null"/> when it loads after all.
    /// </summary>
    public static string? Explain()
    {
        var library = FindProviderLibrary();
        if (library is null)
            return "this build has no CUDA provider; build with -p:OrtAgentDevice=cuda on a machine with an NVIDIA GPU and a CUDA 13 driver";
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

    private static string? FindProviderLibrary()
    {
        // Beside the application (self-contained publish) or under runtimes/<rid>/native (framework-dependent build).
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var rid = $"{os}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        var candidates = new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native") };
        return candidates.Select(directory => Path.Combine(directory, LibraryName)).FirstOrDefault(File.Exists);
    }
}
