using System.Reflection;
using System.Xml.Linq;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.TextClassifiers;

namespace OrtAgent.Tests.Docs;

/// <summary>
/// Every public type of the three libraries has a summary in the XML documentation file shipped beside its assembly,
/// which is what an IDE shows a user. CS1591 fails their build for a missing comment; this holds the file itself to
/// it, so that a suppression, a project that stops generating the file or a summary left empty is caught too.
/// </summary>
public sealed class LibraryXmlDocsTests
{
    public static TheoryData<string> Libraries() => new(
        typeof(Graph).Assembly.GetName().Name!,
        typeof(TextClassifier).Assembly.GetName().Name!,
        typeof(TextClassifierTrainer).Assembly.GetName().Name!);

    [Theory]
    [MemberData(nameof(Libraries))]
    public void EveryPublicTypeHasASummaryInTheShippedXml(string library)
    {
        var assembly = Assembly.Load(library);
        var xml = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(xml), $"{library}: no XML documentation file beside {assembly.Location}");

        var missing = UndocumentedTypes(assembly, XDocument.Load(xml));

        Assert.True(missing.Count == 0, $"{library}: public types without a summary in {Path.GetFileName(xml)}: {string.Join(", ", missing)}");
    }

    [Fact]
    public void ATypeLeftOutOfTheXmlOrWithAnEmptySummaryIsNamed()
    {
        var assembly = typeof(Graph).Assembly;
        var docs = XDocument.Load(Path.ChangeExtension(assembly.Location, ".xml"));
        docs.Descendants("member").Single(m => (string?)m.Attribute("name") == "T:OrtAgent.Onnx.Graph").Remove();
        docs.Descendants("member").Single(m => (string?)m.Attribute("name") == "T:OrtAgent.Onnx.Node").Element("summary")!.Value = " ";

        Assert.Equal(["OrtAgent.Onnx.Graph", "OrtAgent.Onnx.Node"], UndocumentedTypes(assembly, docs));
    }

    /// <summary>The full names of <paramref name="assembly"/>'s public types that <paramref name="docs"/> gives no non-empty summary (or inheritdoc).</summary>
    private static List<string> UndocumentedTypes(Assembly assembly, XDocument docs)
    {
        var documented = docs.Descendants("member")
            .Where(m => !string.IsNullOrWhiteSpace((string?)m.Element("summary")) || m.Element("inheritdoc") is not null)
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet(StringComparer.Ordinal);
        // A documentation ID names a nested type with '.' where reflection has '+'; generic arity (`1) is kept in both.
        return assembly.GetExportedTypes()
            .Select(t => t.FullName!.Replace('+', '.'))
            .Where(name => !documented.Contains("T:" + name))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
