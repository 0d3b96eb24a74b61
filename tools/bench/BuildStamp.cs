using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace OrtAgent.Bench;

/// <summary>
/// Which build of OrtAgent's code made or measured something: a line per assembly, its name and module version id. The
/// id changes with any change to the assembly, and a deterministic build of the same sources keeps it. The SDK writes
/// the git commit into each assembly's informational version, so a build at a new commit is a new build even where the
/// code is the same: a stamp errs towards making things again, never towards reusing what other code made. Shared with
/// load-test and fine-tuning-bench (linked into them).
/// </summary>
public static class BuildStamp
{
    /// <summary>The stamp of assemblies loaded in this process, in the order given.</summary>
    public static string Of(IEnumerable<Assembly> assemblies) =>
        Lines(assemblies.Select(a => (a.GetName().Name!, a.ManifestModule.ModuleVersionId)));

    /// <summary>
    /// The stamp of the OrtAgent assemblies in <paramref name="directory"/> (<c>ortagent.dll</c> and <c>OrtAgent.*.dll</c>),
    /// read from their metadata without loading them: the build of a CLI this process runs in child processes.
    /// </summary>
    public static string OfDirectory(string directory) =>
        Lines(Directory.EnumerateFiles(directory, "*.dll")
            .Where(path => Path.GetFileName(path).StartsWith("OrtAgent", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(ReadModuleVersionId));

    private static (string Name, Guid ModuleVersionId) ReadModuleVersionId(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        return (metadata.GetString(metadata.GetAssemblyDefinition().Name), metadata.GetGuid(metadata.GetModuleDefinition().Mvid));
    }

    private static string Lines(IEnumerable<(string Name, Guid ModuleVersionId)> assemblies) =>
        string.Concat(assemblies.Select(a => $"{a.Name} {a.ModuleVersionId}\n"));
}
