using System.Text.Json;
using ModelContextProtocol.Client;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// Checks a tool's structured result against its output schema as clients that validate do (the TypeScript SDK's
/// client runs Ajv on every result and refuses one that does not match): the type of every value (an integer where
/// the schema says <c>integer</c>, null only where it allows null), every required field present, array items and
/// dictionary values, <c>$ref</c>s into the schema. The C# client checks nothing, so a result can pass every other test
/// and still fail in Claude Desktop or VS Code. A keyword this checker does not know fails the check rather than
/// being skipped, so a schema it cannot judge is noticed.
/// </summary>
internal static class McpOutputSchema
{
    // Keywords that say nothing about which values are valid.
    private static readonly HashSet<string> Annotations = ["description", "title", "default", "$schema", "examples"];

    public static void AssertMatches(McpClientTool tool, JsonElement result)
    {
        Assert.True(tool.ReturnJsonSchema is not null, $"{tool.Name} publishes no output schema");
        var problems = new List<string>();
        Check(tool.ReturnJsonSchema!.Value, tool.ReturnJsonSchema.Value, result, "result", problems);
        Assert.True(problems.Count == 0, $"{tool.Name}'s result does not match its output schema: {string.Join("; ", problems)}\n{result}");
    }

    private static void Check(JsonElement root, JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        if (schema.ValueKind == JsonValueKind.True) return;
        if (schema.ValueKind == JsonValueKind.False)
        {
            problems.Add($"{path} is not allowed");
            return;
        }
        foreach (var keyword in schema.EnumerateObject())
        {
            switch (keyword.Name)
            {
                case "$ref":
                    Check(root, Resolve(root, keyword.Value.GetString()!), value, path, problems);
                    break;
                case "type":
                    var types = keyword.Value.ValueKind == JsonValueKind.Array
                        ? keyword.Value.EnumerateArray().Select(t => t.GetString()!).ToList()
                        : [keyword.Value.GetString()!];
                    if (!types.Any(t => IsOfType(value, t))) problems.Add($"{path} is {Describe(value)}, not {string.Join(" or ", types)}");
                    break;
                case "required" when value.ValueKind == JsonValueKind.Object:
                    foreach (var name in keyword.Value.EnumerateArray().Select(n => n.GetString()!))
                        if (!value.TryGetProperty(name, out _)) problems.Add($"{path} lacks the required field '{name}'");
                    break;
                case "properties" when value.ValueKind == JsonValueKind.Object:
                    foreach (var property in keyword.Value.EnumerateObject())
                        if (value.TryGetProperty(property.Name, out var field)) Check(root, property.Value, field, $"{path}.{property.Name}", problems);
                    break;
                case "additionalProperties" when value.ValueKind == JsonValueKind.Object:
                    var named = schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name).ToHashSet() : [];
                    foreach (var field in value.EnumerateObject().Where(f => !named.Contains(f.Name)))
                        Check(root, keyword.Value, field.Value, $"{path}.{field.Name}", problems);
                    break;
                case "items" when value.ValueKind == JsonValueKind.Array:
                    int index = 0;
                    foreach (var item in value.EnumerateArray()) Check(root, keyword.Value, item, $"{path}[{index++}]", problems);
                    break;
                case "enum":
                    if (!keyword.Value.EnumerateArray().Any(e => JsonElement.DeepEquals(e, value))) problems.Add($"{path} is {value}, not one of {keyword.Value}");
                    break;
                case "minimum" when value.ValueKind == JsonValueKind.Number:
                    if (value.GetDouble() < keyword.Value.GetDouble()) problems.Add($"{path} is {value}, below {keyword.Value}");
                    break;
                case "maximum" when value.ValueKind == JsonValueKind.Number:
                    if (value.GetDouble() > keyword.Value.GetDouble()) problems.Add($"{path} is {value}, above {keyword.Value}");
                    break;
                case "required" or "properties" or "additionalProperties" or "items" or "minimum" or "maximum":
                    break;   // They constrain only values of another kind.
                default:
                    if (!Annotations.Contains(keyword.Name)) problems.Add($"the schema at {path} uses '{keyword.Name}', which this check does not know");
                    break;
            }
        }
    }

    private static bool IsOfType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        // JSON Schema's integer is a number without a fraction (Ajv takes 3.0 as one).
        "integer" => value.ValueKind == JsonValueKind.Number && Math.Floor(value.GetDouble()) == value.GetDouble(),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new ArgumentException($"unknown JSON Schema type '{type}'", nameof(type)),
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => $"{value.ValueKind.ToString().ToLowerInvariant()} {value}",
    };

    /// <summary>A <c>$ref</c> within the schema (<c>#/properties/words_for/items</c>), the only kind the SDK writes.</summary>
    private static JsonElement Resolve(JsonElement root, string reference)
    {
        Assert.StartsWith("#", reference);
        var target = root;
        foreach (var segment in reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            target = target.ValueKind == JsonValueKind.Array
                ? target[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)]
                : target.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        return target;
    }
}
