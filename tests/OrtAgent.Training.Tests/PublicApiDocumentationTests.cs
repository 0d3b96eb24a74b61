using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests;

/// <summary>
/// Every public member of the three libraries has an entry in the XML docs the build writes beside the dll.
/// CS1591 does not catch all of them: a positional record's properties went without one whenever the record had no
/// <c>param</c> tags (<see cref="Prediction.Label"/>, <see cref="EvaluationInfo.IsBest"/>…), and nothing failed.
/// </summary>
public sealed class PublicApiDocumentationTests
{
    public static TheoryData<string> Libraries => new() { typeof(Graph).Assembly.GetName().Name!, typeof(TextClassifier).Assembly.GetName().Name!, typeof(FineTuner).Assembly.GetName().Name! };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void EveryPublicMemberHasAnEntryInTheGeneratedXmlDocs(string library)
    {
        var assembly = Assembly.Load(library);
        var xml = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(xml), $"{xml} was not written beside {assembly.Location}");
        var documented = XDocument.Load(xml).Descendants("member")
            .Where(m => m.Elements().Any(e => !string.IsNullOrWhiteSpace(e.Value) || e.Name == "inheritdoc"))
            .Select(m => (string)m.Attribute("name")!).ToHashSet(StringComparer.Ordinal);

        var missing = assembly.GetExportedTypes().SelectMany(PublicMembers).Where(id => !documented.Contains(id)).Order().ToList();

        Assert.True(missing.Count == 0, $"{missing.Count} public members of {library} have no XML docs:\n{string.Join("\n", missing)}");
    }

    [Fact]
    public void TheDocumentationIdsAreWrittenAsTheCompilerWritesThem()
    {
        // The check above is only as good as these names: a wrong one would report a documented member as missing, or a
        // member the names never reach as documented. Spelled out against what the compiler wrote for these members.
        Assert.Equal("T:OrtAgent.Runtime.Prediction", DocumentationId.Of(typeof(Prediction)));
        Assert.Equal("P:OrtAgent.Runtime.Prediction.Label", DocumentationId.Of(typeof(Prediction).GetProperty(nameof(Prediction.Label))!));
        Assert.Equal("M:OrtAgent.Runtime.Prediction.#ctor(System.String,System.Single,System.Collections.Generic.IReadOnlyDictionary{System.String,System.Single})",
            DocumentationId.Of(typeof(Prediction).GetConstructors().Single()));
        Assert.Equal("M:OrtAgent.Runtime.TextClassifier.Load(System.String,OrtAgent.Runtime.TextClassifierOptions)",
            DocumentationId.Of(typeof(TextClassifier).GetMethod(nameof(TextClassifier.Load))!));
        Assert.Equal("M:OrtAgent.InvalidOptionException.Name``1(System.String)",
            DocumentationId.Of(typeof(InvalidOptionException).GetMethod(nameof(InvalidOptionException.Name))!));
    }

    private static IEnumerable<string> PublicMembers(Type type)
    {
        yield return DocumentationId.Of(type);
        // A delegate's Invoke and friends are the runtime's, documented by the type's own comment.
        if (typeof(Delegate).IsAssignableFrom(type)) yield break;
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var member in type.GetMembers(declared))
        {
            if (member is Type || !IsVisible(member) || member.IsDefined(typeof(CompilerGeneratedAttribute))) continue;
            // Accessors are documented by their property or event; an enum's value__ is no member a user names.
            if (member is MethodBase { IsSpecialName: true } method && !method.Name.StartsWith("op_", StringComparison.Ordinal) && method is not ConstructorInfo) continue;
            if (member is FieldInfo { IsSpecialName: true }) continue;
            // The constructor the compiler adds to a class that declares none has no comment to carry; one written out
            // without a comment is CS1591's to catch.
            if (member is ConstructorInfo { IsStatic: false } constructor && constructor.GetParameters().Length == 0) continue;
            // A record's synthesized members (Equals, Deconstruct, its copy constructor…) are the language's, not this API's.
            if (IsRecordSynthesized(type, member)) continue;
            yield return DocumentationId.Of(member);
        }
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(IsVisible),
        EventInfo e => e.AddMethod is { } add && IsVisible(add),
        _ => false,
    };

    private static bool IsRecordSynthesized(Type type, MemberInfo member)
    {
        if (type.GetMethod("<Clone>$") is null && !(type.IsValueType && type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null)) return false;
        return member switch
        {
            ConstructorInfo c => c.GetParameters() is [var only] && only.ParameterType == type,
            MethodInfo m => m.Name is "Equals" or "GetHashCode" or "Deconstruct" or "PrintMembers" or "op_Equality" or "op_Inequality"
                || (m.Name == "ToString" && m.IsDefined(typeof(CompilerGeneratedAttribute))),
            PropertyInfo p => p.Name == "EqualityContract",
            _ => false,
        };
    }
}
