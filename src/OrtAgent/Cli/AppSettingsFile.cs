using System.Text.Json;
using OrtAgent.Runtime;

namespace OrtAgent.Cli;

/// <summary>
/// The <c>appsettings.json</c> beside the program, checked before the configuration reads it: a file that is not JSON
/// failed every command, <c>--help</c> and <c>--version</c> too, as an internal error naming .NET's loader, and a root
/// folder set to something other than a path (an array, <c>""</c>) was dropped for the default without a word, where
/// <c>--models-root ''</c> is refused. Each is one line naming the file, and where it broke or the key.
/// </summary>
internal static class AppSettingsFile
{
    public const string FileName = "appsettings.json";

    /// <summary>The keys whose value is a folder, which only a non-empty string names.</summary>
    private static readonly string[] FolderKeys = ["Models:Root", "Artifacts:Root"];

    /// <exception cref="UserInputException">The file cannot be read, is not JSON (as the configuration reads it: comments and trailing commas allowed), or sets a folder to something other than a path.</exception>
    public static void Check(string path)
    {
        if (!File.Exists(path)) return;
        try
        {
            using var settings = JsonDocument.Parse(File.ReadAllBytes(path),
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (settings.RootElement.ValueKind != JsonValueKind.Object)
                throw new UserInputException($"{path}: holds {Kind(settings.RootElement)}, not a JSON object of settings");
            foreach (var key in FolderKeys)
                if (Find(settings.RootElement, key) is { } value && (value.ValueKind != JsonValueKind.String || value.GetString()!.Trim().Length == 0))
                    throw new UserInputException($"{path}: {key} is {(value.ValueKind == JsonValueKind.String ? $"\"{value.GetString()}\"" : Kind(value))}, "
                        + "which names no folder; set it to a path, or remove it for the default");
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{path}: not valid JSON: {JsonParseProblem.Describe(ex)}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot be read ({ex.Message})", ex);
        }
    }

    /// <summary>The value at <paramref name="key"/> (sections joined by ':', matched ignoring case, the last of equal names winning, as the configuration reads them); null when not set.</summary>
    private static JsonElement? Find(JsonElement root, string key)
    {
        JsonElement? current = root;
        foreach (var section in key.Split(':'))
        {
            if (current is not { ValueKind: JsonValueKind.Object } parent) return null;
            current = null;
            foreach (var property in parent.EnumerateObject())
                if (string.Equals(property.Name, section, StringComparison.OrdinalIgnoreCase)) current = property.Value;
        }
        return current;
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{value.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => $"a {value.ValueKind.ToString().ToLowerInvariant()}",
    };
}
