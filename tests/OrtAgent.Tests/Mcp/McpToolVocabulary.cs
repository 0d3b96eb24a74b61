using System.Text.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// Checks that the words a tool list tells a model to look for are the words it will find: every snake_case name in a
/// description is a tool, an argument or a field of that tool's output (as its output schema publishes it), and every
/// output field is spelled in snake_case, as the arguments are.
/// </summary>
internal static partial class McpToolVocabulary
{
    /// <summary>Names the descriptions give as values or dictionary keys (a status, a problem type, a metric), not as fields.</summary>
    private static readonly HashSet<string> Values =
        ["validating_files", "single_label", "multi_label", "train_loss", "valid_loss", "valid_mean_token_accuracy", "macro_f1"];

    [GeneratedRegex(@"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")]
    private static partial Regex SnakeCaseName();

    [GeneratedRegex(@"\b[a-z]+[A-Z][A-Za-z]*\b")]
    private static partial Regex CamelCaseName();

    public static void AssertDescriptionsNameOnlyWhatTheToolsHave(IList<McpClientTool> tools)
    {
        var toolNames = tools.Select(t => t.Name).ToHashSet();
        var everyArgument = tools.SelectMany(Arguments).ToHashSet();
        foreach (var tool in tools)
        {
            Assert.True(tool.ReturnJsonSchema is not null, $"{tool.Name} publishes no output schema");
            var fields = PropertyNames(tool.ReturnJsonSchema!.Value).ToHashSet();
            // The tool's own description speaks of its own arguments and results; an argument's or a field's may point
            // at another tool's argument ("pass it as 'job_id' to get_fine_tuning_job").
            var own = toolNames.Concat(Arguments(tool)).Concat(fields).Concat(Values).ToHashSet();
            AssertNamesAreKnown(tool.Name, "description", tool.Description, own);
            var anyArgument = own.Concat(everyArgument).ToHashSet();
            foreach (var description in Descriptions(tool.JsonSchema).Concat(Descriptions(tool.ReturnJsonSchema!.Value)))
                AssertNamesAreKnown(tool.Name, "an argument's or a field's description", description, anyArgument);
        }
        foreach (var tool in tools)
            Assert.All(PropertyNames(tool.ReturnJsonSchema!.Value), f => Assert.True(!CamelCaseName().IsMatch(f), $"{tool.Name}'s output field '{f}' is not snake_case"));
    }

    /// <summary>Every field of <paramref name="result"/>, at any depth, is one its tool's output schema names.</summary>
    public static void AssertResultHasOnlySchemaFields(McpClientTool tool, JsonElement result)
    {
        var fields = PropertyNames(tool.ReturnJsonSchema!.Value).ToHashSet();
        foreach (var name in ObjectKeys(result, skipUnder: DictionaryFields(tool.ReturnJsonSchema!.Value)))
            Assert.True(fields.Contains(name), $"{tool.Name} returned the field '{name}', which its output schema does not name ({string.Join(", ", fields)})");
    }

    private static void AssertNamesAreKnown(string tool, string where, string text, HashSet<string> known)
    {
        foreach (Match name in SnakeCaseName().Matches(text))
            Assert.True(known.Contains(name.Value), $"{tool}'s {where} names '{name.Value}', which is no tool, argument or output field: \"{text}\"");
        foreach (Match name in CamelCaseName().Matches(text))
            Assert.Fail($"{tool}'s {where} names '{name.Value}' in camelCase: \"{text}\"");
    }

    private static IEnumerable<string> Arguments(McpClientTool tool) =>
        tool.JsonSchema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name) : [];

    /// <summary>Names under every <c>properties</c> of a schema, nested objects and array items included.</summary>
    private static IEnumerable<string> PropertyNames(JsonElement schema) =>
        Walk(schema).Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object)
            .SelectMany(e => e.GetProperty("properties").EnumerateObject().Select(p => p.Name));

    private static IEnumerable<string> Descriptions(JsonElement schema) =>
        Walk(schema).Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String)
            .Select(e => e.GetProperty("description").GetString()!);

    /// <summary>Fields whose schema is a dictionary (<c>additionalProperties</c>): their keys are data, not fields.</summary>
    private static HashSet<string> DictionaryFields(JsonElement schema) =>
        Walk(schema).Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object)
            .SelectMany(e => e.GetProperty("properties").EnumerateObject())
            .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("additionalProperties", out _))
            .Select(p => p.Name).ToHashSet();

    private static IEnumerable<string> ObjectKeys(JsonElement value, HashSet<string> skipUnder)
    {
        var pending = new Stack<JsonElement>([value]);
        while (pending.TryPop(out var element))
        {
            if (element.ValueKind == JsonValueKind.Array)
                foreach (var item in element.EnumerateArray()) pending.Push(item);
            if (element.ValueKind != JsonValueKind.Object) continue;
            foreach (var property in element.EnumerateObject())
            {
                yield return property.Name;
                if (!skipUnder.Contains(property.Name)) pending.Push(property.Value);
            }
        }
    }

    private static IEnumerable<JsonElement> Walk(JsonElement root)
    {
        var pending = new Stack<JsonElement>([root]);
        while (pending.TryPop(out var element))
        {
            yield return element;
            if (element.ValueKind == JsonValueKind.Object)
                foreach (var property in element.EnumerateObject()) pending.Push(property.Value);
            else if (element.ValueKind == JsonValueKind.Array)
                foreach (var item in element.EnumerateArray()) pending.Push(item);
        }
    }
}
