using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Packaging;

/// <summary>
/// The three libraries are NuGet packages that say what they are (description, tags, readme, version, symbols), and
/// nothing else in the solution packs: before 2026-12-07 every package said "Package Description", version 1.0.0, with
/// no readme, and `dotnet pack OrtAgent.sln` also packed the CLI host and the examples. OrtAgent.Runtime's package, the
/// one an app that only predicts takes, depends on ONNX Runtime and Microsoft.ML.Tokenizers and on nothing of training
/// or ASP.NET.
/// </summary>
public sealed class PackageTests
{
    private static readonly string[] Libraries = ["OrtAgent.Onnx", "OrtAgent.Runtime", "OrtAgent.Training"];

    private static string Root => IsolatedChildProcess.RepositoryRoot;

    [Fact]
    public void OnlyTheThreeLibrariesArePackable()
    {
        var packable = new[] { "src", "examples", "tests", "tools" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*.csproj", SearchOption.AllDirectories))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules"))
            .Where(path => Property(XDocument.Load(path), "IsPackable") != "false")
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal);

        Assert.Equal(Libraries, packable);
    }

    [Fact]
    public void TheLibrariesShareOneVersionAuthorsReadmeNameAndSymbolPackages()
    {
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));

        Assert.Matches(@"^0\.\d+\.\d+$", Property(props, "VersionPrefix"));
        Assert.Equal("OrtAgent", Property(props, "Authors"));
        Assert.Equal("OrtAgent", Property(props, "Company"));
        Assert.Equal("PACKAGE.md", Property(props, "PackageReadmeFile"));
        Assert.Equal("true", Property(props, "IncludeSymbols"));
        Assert.Equal("snupkg", Property(props, "SymbolPackageFormat"));
    }

    [Theory]
    [InlineData("OrtAgent.Onnx")]
    [InlineData("OrtAgent.Runtime")]
    [InlineData("OrtAgent.Training")]
    public void EachLibraryHasItsOwnDescriptionTagsAndReadme(string library)
    {
        var project = XDocument.Load(Path.Combine(Root, "src", library, $"{library}.csproj"));

        var description = Property(project, "Description");
        Assert.False(string.IsNullOrWhiteSpace(description), $"{library}.csproj sets no Description");
        Assert.DoesNotContain("Package Description", description);
        Assert.False(string.IsNullOrWhiteSpace(Property(project, "PackageTags")), $"{library}.csproj sets no PackageTags");
        var readme = File.ReadAllLines(Path.Combine(Root, "src", library, "PACKAGE.md"));
        Assert.Equal($"# {library}", readme[0]);
    }

    /// <summary>
    /// Packs OrtAgent.Runtime from the build these tests run on (--no-build, a few seconds) and reads what a consumer's
    /// NuGet reads: the nuspec, the readme in the package, the symbol package beside it.
    /// </summary>
    [Fact]
    public async Task TheRuntimePackageDescribesItselfAndDependsOnOnnxRuntimeAndTokenizersOnly()
    {
        using var feed = new TempDirectory("packages");
        var configuration = typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "EdgePredictBuild").Value!.Split('/')[0];
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var arg in (string[])["pack", Path.Combine("src", "OrtAgent.Runtime"), "-c", configuration, "--no-build", "-o", feed.Path, "-nologo"])
            start.ArgumentList.Add(arg);
        using var pack = Process.Start(start)!;
        var output = pack.StandardOutput.ReadToEndAsync();
        var error = pack.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try { await pack.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { pack.Kill(entireProcessTree: true); throw; }
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed:\n{await output}\n{await error}");

        var version = Property(XDocument.Load(Path.Combine(Root, "Directory.Build.props")), "VersionPrefix");
        var package = Path.Combine(feed.Path, $"OrtAgent.Runtime.{version}.nupkg");
        Assert.True(File.Exists(Path.Combine(feed.Path, $"OrtAgent.Runtime.{version}.snupkg")), "no symbol package beside the package");
        using var zip = ZipFile.OpenRead(package);
        XDocument nuspec;
        using (var stream = zip.GetEntry("OrtAgent.Runtime.nuspec")!.Open()) nuspec = XDocument.Load(stream);
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.Equal(version, Field("version"));
        Assert.Equal("OrtAgent", Field("authors"));
        Assert.Equal(Property(XDocument.Load(Path.Combine(Root, "src", "OrtAgent.Runtime", "OrtAgent.Runtime.csproj")), "Description"), Field("description"));
        Assert.Equal("PACKAGE.md", Field("readme"));
        Assert.NotNull(zip.GetEntry("PACKAGE.md"));
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).Order(StringComparer.Ordinal);
        Assert.Equal(["Microsoft.ML.OnnxRuntime", "Microsoft.ML.Tokenizers"], dependencies);
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "frameworkReferences");
    }

    /// <summary>A property's value in an MSBuild file, wherever its PropertyGroup is; null where it is not set.</summary>
    private static string? Property(XDocument project, string name) =>
        project.Descendants(name).Select(e => e.Value.Trim()).LastOrDefault();

    /// <summary>The command line says the libraries' version: it said 1.0.0 while the packages it ships with were 0.1.0.</summary>
    [Fact]
    public void TheCommandLineSaysTheLibrariesVersion()
    {
        var version = Property(XDocument.Load(Path.Combine(Root, "Directory.Build.props")), "VersionPrefix");
        using var child = new IsolatedChildProcess();

        var run = child.Run("--version");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith(version + "+", run.Output.Trim());
    }
}
