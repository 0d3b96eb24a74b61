using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrtAgent.Data;

/// <summary>Checks on parsed JSON that the parser itself does not make.</summary>
internal static class JsonText
{
    /// <summary>
    /// Whether a name or string anywhere in <paramref name="element"/> is not valid Unicode: bytes that are not UTF-8, or
    /// an escaped lone surrogate such as <c>"\ud800"</c>. The parser accepts such text, and only reading it as a string
    /// throws, deep inside whichever code reads that field; checking every name and string once where the document is
    /// read keeps that from surfacing as an internal error.
    /// </summary>
    public static bool HoldsInvalidText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name; // decoded on reading, like a string value
                        if (HoldsInvalidText(property.Value)) return true;
                    }
                    return false;
                case JsonValueKind.Array:
                    return element.EnumerateArray().Any(HoldsInvalidText);
                case JsonValueKind.String:
                    _ = element.GetString();
                    return false;
                default:
                    return false;
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>
    /// The first name given twice in one object anywhere in <paramref name="element"/>, or null. The parser keeps both
    /// and a lookup finds the last, so a request naming a field twice was read as if the first were not there. A name
    /// that is not valid Unicode is <see cref="HoldsInvalidText(JsonElement)"/>'s to refuse: here it ends the search.
    /// </summary>
    public static string? RepeatedName(JsonElement element) => FirstRepeated(element)?.Name;

    /// <summary>
    /// <see cref="RepeatedName"/>'s name with the path to it, as a request's fields are named (<c>hyperparameters.n_epochs</c>,
    /// <c>messages[0].role</c>): a nested name given twice was told as its last segment alone.
    /// </summary>
    public static string? RepeatedField(JsonElement element) => FirstRepeated(element)?.Path;

    private static (string Name, string Path)? FirstRepeated(JsonElement element)
    {
        try
        {
            return FirstRepeatedName(element, "");
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static (string Name, string Path)? FirstRepeatedName(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (!names.Add(property.Name)) return (property.Name, at);
                    if (FirstRepeatedName(property.Value, at) is { } inner) return inner;
                }
                return null;
            case JsonValueKind.Array:
                int index = 0;
                foreach (var item in element.EnumerateArray())
                    if (FirstRepeatedName(item, $"{path}[{index++}]") is { } inner) return inner;
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// As <see cref="HoldsInvalidText(JsonElement)"/> for a parsed <see cref="JsonNode"/> (the MCP SDK's params): a
    /// string read from an escaped lone surrogate throws when read, or reads as a string holding it.
    /// </summary>
    public static bool HoldsInvalidText(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject members:
                return members.Any(m => !IsWellFormed(m.Key) || HoldsInvalidText(m.Value));
            case JsonArray items:
                return items.Any(HoldsInvalidText);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    return !IsWellFormed(value.GetValue<string>());
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            default:
                return false;
        }
    }

    /// <summary>Whether every surrogate in <paramref name="text"/> is half of a pair.</summary>
    public static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }
}
