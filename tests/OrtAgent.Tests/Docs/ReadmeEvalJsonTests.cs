using System.Text.Json;
using System.Text.RegularExpressions;
using OrtAgent.Tests.Inference;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Docs;

/// <summary>
/// <c>eval --json</c>'s shape was documented nowhere (predict's and explain's are). The README's paragraph names every
/// field; this holds the names it gives, in code spans, to the ones a real run with <c>--by</c> and <c>--errors</c>
/// prints, at every level, so the two cannot drift apart.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed partial class ReadmeEvalJsonTests(TinyClassifierFixture model) : IDisposable
{
    private const string ParagraphStart = "`eval --json` prints one JSON object on one line:";

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task TheReadmeNamesEveryFieldEvalJsonPrintsAndNoOther()
    {
        var data = _folder.Combine("test.csv");
        File.WriteAllText(data, "text,label,source\nthe movie was great,pos,web\nboring film,neg,mail\nit was fine,neu,web\n");

        var run = await CliRun.RunAsync(["eval", "--model", model.ModelDirectory, "--data", data, "--by", "source", "--errors", _folder.Combine("errors.csv"), "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Output);
        var printed = new SortedSet<string>(StringComparer.Ordinal);
        Collect(json.RootElement, printed);
        Assert.Equal(printed, DocumentedFields());
    }

    private static void Collect(JsonElement element, ISet<string> names)
    {
        if (element.ValueKind == JsonValueKind.Array)
            foreach (var item in element.EnumerateArray()) Collect(item, names);
        if (element.ValueKind != JsonValueKind.Object) return;
        foreach (var property in element.EnumerateObject())
        {
            names.Add(property.Name);
            Collect(property.Value, names);
        }
    }

    // Every code span of the paragraph that is a field's name (lower case and underscores); flags and values are not.
    private static SortedSet<string> DocumentedFields()
    {
        var readme = File.ReadAllText(Path.Combine(IsolatedChildProcess.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        int start = readme.IndexOf(ParagraphStart, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no paragraph beginning {ParagraphStart}");
        int end = readme.IndexOf("\n\n", start, StringComparison.Ordinal);
        string paragraph = readme[(start + ParagraphStart.Length)..(end < 0 ? readme.Length : end)];
        return new SortedSet<string>(FieldName().Matches(paragraph).Select(m => m.Groups[1].Value), StringComparer.Ordinal);
    }

    [GeneratedRegex("`([a-z][a-z0-9_]*)`")]
    private static partial Regex FieldName();
}
