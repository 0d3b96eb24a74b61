using System.Text.Json;

namespace OrtAgent.Data;

/// <summary>
/// One field of a data file's row (<see cref="UnlabeledTextFile.ReadRows"/>), kept so that predictions written beside
/// their input (as the command line's <c>predict --output</c> writes them) can carry the input's columns.
/// </summary>
/// <param name="Name">The column's header name, or the JSON property's name, as the file spells it.</param>
/// <param name="Text">The value as a CSV field holds it: a JSON string unquoted, a JSON null empty, other JSON as written.</param>
/// <param name="Json">The value's JSON text, from a JSON Lines file; <see langword="null"/> for a CSV or TSV field, a string.</param>
public readonly record struct InputField(string Name, string Text, string? Json)
{
    /// <summary>A JSON property's value, its JSON text kept as written.</summary>
    internal static InputField FromJson(JsonProperty property)
    {
        string raw = property.Value.GetRawText();
        return new(property.Name, property.Value.ValueKind switch
        {
            JsonValueKind.String => property.Value.GetString()!,
            JsonValueKind.Null => "",
            _ => raw,
        }, raw);
    }
}
