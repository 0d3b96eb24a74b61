using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OpenAI;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.TextClassifiers;

namespace OrtAgent.Tests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of the READMEs and of the packages' readmes (<c>src/*/PACKAGE.md</c>) compiles, as the Program.cs of a new net10.0 console app (top-level
/// statements, implicit usings, nullable enabled) that references what its README tells a reader to reference.
/// Errors and warnings both fail, each named by its README line. A block that uses variables of the code around it
/// declares them in an HTML comment on the line just above its fence, which Markdown does not show:
/// <c>&lt;!-- example-context: CancellationToken cancellationToken; ServingOptions options --&gt;</c>. They are
/// declared after the block's using directives. No block is left out.
/// </summary>
public sealed partial class ReadmeCSharpExamplesTests
{
    /// <summary>What each README's examples are written against, beside the .NET 10 framework: every README with a C# block has a row.</summary>
    private static readonly Dictionary<string, Assembly[]> ExampleReferences = new(StringComparer.Ordinal)
    {
        // The user's guide: an app references the libraries (OrtAgent.Runtime alone to predict) and OpenAI's client
        // for the fine-tuning service, in the version the service's tests drive it with.
        ["README.md"] = [typeof(Graph).Assembly, typeof(TextClassifier).Assembly, typeof(TextClassifierTrainer).Assembly, typeof(OpenAIClient).Assembly],
        // The CLI host's notes on its HTTP service.
        ["src/OrtAgent/Serving/README.md"] = [typeof(InferenceServer).Assembly],
        // The packages' readmes (PACKAGE.md, packed as each one's readme): an app that takes the package alone.
        ["src/OrtAgent.Onnx/PACKAGE.md"] = [typeof(Graph).Assembly],
        ["src/OrtAgent.Runtime/PACKAGE.md"] = [typeof(TextClassifier).Assembly],
        ["src/OrtAgent.Training/PACKAGE.md"] = [typeof(TextClassifierTrainer).Assembly],
    };

    // The SDK's implicit usings for a console project (ImplicitUsings enable).
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp14);

    private static readonly CSharpCompilationOptions CompilationOptions = new(OutputKind.ConsoleApplication,
        nullableContextOptions: NullableContextOptions.Enable,
        // The warning wave of net10.0, and the SDK's default NoWarn: assembly-version unification notices.
        warningLevel: 10,
        specificDiagnosticOptions: [new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]);

    private static readonly Dictionary<string, MetadataReference[]> References = [];

    public static TheoryData<string, int> Examples()
    {
        var examples = new TheoryData<string, int>();
        foreach (var file in ExampleReferences.Keys)
            foreach (var block in CSharpBlocks(file))
                examples.Add(file, block.FirstLine);
        return examples;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void CompilesAsAConsoleAppReferencingWhatItsReadmeSays(string file, int firstLine)
    {
        var block = CSharpBlocks(file).Single(b => b.FirstLine == firstLine);

        var problems = Compile(block, ReferencesOf(file));

        Assert.True(problems.Count == 0, $"the C# example at {block} does not compile:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void EveryReadmeWithACSharpExampleHasItsReferencesListed()
    {
        var withExamples = DocumentsWithExamples().Where(file => CSharpBlocks(file).Any()).Order(StringComparer.Ordinal);

        Assert.Equal(ExampleReferences.Keys.Order(StringComparer.Ordinal), withExamples);
    }

    /// <summary>A block tagged C# another way (<c>cs</c>, <c>c#</c>) would be left out of the compiled ones without a word.</summary>
    [Fact]
    public void EveryCSharpBlockIsTaggedCsharp()
    {
        var otherwise = DocumentsWithExamples()
            .SelectMany(file => MarkdownCodeBlock.Read(IsolatedChildProcess.RepositoryRoot, file))
            .Where(block => block.Language.ToLowerInvariant() is "cs" or "c#" or "c-sharp" or "csharp" && block.Language != "csharp")
            .Select(block => $"{block} ```{block.Language}");

        Assert.Empty(otherwise);
    }

    /// <summary>The guard itself: a misspelt member, an unknown type and a warning are each reported at their README line.</summary>
    [Fact]
    public void AnExampleThatDoesNotCompileIsReportedAtItsReadmeLines()
    {
        MarkdownCodeBlock block = new("README.md", "csharp", 40, [
            "using OrtAgent.Runtime;",
            "",
            "using var classifier = TextClassifier.Load(\"models/reviews\");",
            "Console.WriteLine(classifier.Predcit(\"great value\").Label);",
            "NoSuchOptions options = new();",
            "string? text = null;",
            "Console.WriteLine(text.Length);",
        ], LineAbove: "");

        var problems = Compile(block, ReferencesOf("README.md"));

        Assert.Equal([
            "README.md:43:30: error CS1061: 'TextClassifier' does not contain a definition for 'Predcit' and no accessible extension method 'Predcit' accepting a first argument of type 'TextClassifier' could be found (are you missing a using directive or an assembly reference?)",
            "README.md:44:1: error CS0246: The type or namespace name 'NoSuchOptions' could not be found (are you missing a using directive or an assembly reference?)",
            "README.md:46:19: warning CS8602: Dereference of a possibly null reference.",
        ], problems);
    }

    [Fact]
    public void ContextVariablesAreDeclaredAfterTheBlocksUsingsAndAMistakeInThemNamesTheComment()
    {
        string[] lines = ["using OrtAgent.Runtime;", "", "using var classifier = TextClassifier.Load(directory);"];

        Assert.Empty(Compile(new("README.md", "csharp", 10, lines, "<!-- example-context: string directory -->"), ReferencesOf("README.md")));
        var problem = Assert.Single(Compile(new("README.md", "csharp", 10, lines, "<!-- example-context: Strin directory -->"), ReferencesOf("README.md")));
        Assert.StartsWith("README.md:8 (example-context): error CS0246: The type or namespace name 'Strin' could not be found", problem);
    }

    /// <summary>The READMEs and the libraries' package readmes (<c>src/*/PACKAGE.md</c>), relative to the repository.</summary>
    private static IEnumerable<string> DocumentsWithExamples() =>
        MarkdownCodeBlock.ReadmeFiles(IsolatedChildProcess.RepositoryRoot).Concat(
            Directory.EnumerateFiles(Path.Combine(IsolatedChildProcess.RepositoryRoot, "src"), "PACKAGE.md", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(IsolatedChildProcess.RepositoryRoot, path).Replace('\\', '/')));

    private static IEnumerable<MarkdownCodeBlock> CSharpBlocks(string file) =>
        MarkdownCodeBlock.Read(IsolatedChildProcess.RepositoryRoot, file).Where(block => block.Language == "csharp");

    /// <summary>The compiler's errors and warnings for <paramref name="block"/>, each as "README.md:LINE:COLUMN: error CS0000: message".</summary>
    private static List<string> Compile(MarkdownCodeBlock block, MetadataReference[] references)
    {
        var program = CSharpSyntaxTree.ParseText(ProgramSource(block), ParseOptions, path: $"{block.File}:{block.FirstLine - 2} (example-context)", Encoding.UTF8);
        var compilation = CSharpCompilation.Create("ReadmeExample",
            [program, CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "ImplicitUsings.g.cs", Encoding.UTF8)],
            references, CompilationOptions);
        return compilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .OrderBy(d => d.Location.SourceSpan.Start)
            .Select(d => $"{Where(d.Location)}: {d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}")
            .ToList();
    }

    /// <summary>
    /// The block as a program whose #line directives point at the README, so that the compiler's locations are
    /// README lines; the context declarations come after the using directives, on hidden lines.
    /// </summary>
    private static string ProgramSource(MarkdownCodeBlock block)
    {
        var source = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"#line {block.FirstLine} \"{block.File}\"");
        var context = ExampleContext().Match(block.LineAbove);
        if (!context.Success) return source.AppendJoin('\n', block.Lines).ToString();

        var usings = CSharpSyntaxTree.ParseText(string.Join('\n', block.Lines), ParseOptions).GetCompilationUnitRoot().Usings;
        int head = usings.Count == 0 ? 0 : usings[^1].GetLocation().GetLineSpan().EndLinePosition.Line + 1;
        source.AppendJoin('\n', block.Lines.Take(head)).AppendLine().AppendLine("#line hidden");
        foreach (var declaration in context.Groups["declarations"].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            source.AppendLine(CultureInfo.InvariantCulture, $"{declaration} = default!;");
        return source.AppendLine(CultureInfo.InvariantCulture, $"#line {block.FirstLine + head} \"{block.File}\"")
            .AppendJoin('\n', block.Lines.Skip(head)).ToString();
    }

    /// <summary>A location as the README's "file:line:column", or on a hidden line the tree's own path, which names the context comment.</summary>
    private static string Where(Location location)
    {
        if (location.SourceTree is { } tree && tree.GetLineVisibility(location.SourceSpan.Start) == LineVisibility.Hidden) return tree.FilePath;
        var mapped = location.GetMappedLineSpan();
        return $"{mapped.Path}:{mapped.StartLinePosition.Line + 1}:{mapped.StartLinePosition.Character + 1}";
    }

    /// <summary>
    /// The framework's assemblies (those this process runs on) and <paramref name="file"/>'s listed assemblies with
    /// everything they reference, which is what a project referencing them compiles against.
    /// </summary>
    private static MetadataReference[] ReferencesOf(string file)
    {
        lock (References)
        {
            if (References.TryGetValue(file, out var cached)) return cached;
            var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(path => Path.GetDirectoryName(path) == frameworkDirectory)
                .ToHashSet(StringComparer.Ordinal);
            var pending = new Queue<Assembly>(ExampleReferences[file]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (pending.TryDequeue(out var assembly))
            {
                if (!seen.Add(assembly.FullName!)) continue;
                paths.Add(assembly.Location);
                foreach (var name in assembly.GetReferencedAssemblies())
                {
                    // A reference this process cannot load is one no code path here needs; an example that needs it
                    // fails to compile, naming the missing type.
                    try { pending.Enqueue(Assembly.Load(name)); }
                    catch (Exception ex) when (ex is FileNotFoundException or FileLoadException) { }
                }
            }
            return References[file] = paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToArray();
        }
    }

    [GeneratedRegex(@"^<!--\s*example-context:\s*(?<declarations>.+?)\s*-->$")]
    private static partial Regex ExampleContext();
}
