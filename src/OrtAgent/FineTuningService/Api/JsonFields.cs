using System.Text.Json;

namespace OrtAgent.FineTuningService.Api;

/// <summary>Typed reads of request fields that refuse a wrong type with a 400 naming the field.</summary>
internal static class JsonFields
{
    /// <summary>
    /// OpenAI's code for a field of the wrong JSON type. OpenAI's libraries surface the code as the error's
    /// <c>code</c> (Node's <c>APIError.code</c>), which a client branches on; these refusals had none.
    /// </summary>
    public const string InvalidType = "invalid_type";

    public static string? String(JsonElement parent, string name, string? param = null) =>
        Get(parent, name) is not { } value ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw OpenAIApiException.BadRequest($"{param ?? name} must be a string", param ?? name, InvalidType);

    public static bool Bool(JsonElement parent, string name) =>
        Get(parent, name) is not { } value ? false
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw OpenAIApiException.BadRequest($"{name} must be true or false", name, InvalidType);

    /// <summary>
    /// A hyperparameter: a number, <c>"auto"</c> or absent (both null). Anything else is refused as the wrong type,
    /// naming the value and <paramref name="expected"/> (<c>a number or "auto"</c>).
    /// </summary>
    public static double? NumberOrAuto(JsonElement parent, string name, string param, string expected)
    {
        if (Get(parent, name) is not { } value) return null;
        if (value.ValueKind == JsonValueKind.String && value.GetString() == "auto") return null;
        if (value.ValueKind == JsonValueKind.Number) return value.GetDouble();
        throw OpenAIApiException.WrongType(param, name, Given(value), expected);
    }

    /// <summary>
    /// A value as the client wrote it, fit for a one-line message: a number or true/false as written, text quoted, an
    /// object or array by its kind (its text may run over lines).
    /// </summary>
    public static string Given(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => PrintableText.Quote(value.GetString()!),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText() is { Length: > PrintableText.MaxQuotedLength } text ? text[..PrintableText.MaxQuotedLength] + "…" : value.GetRawText(),
    };

    /// <summary>
    /// Refuses the first field of <paramref name="fields"/> not among <paramref name="known"/>, as OpenAI's API refuses an
    /// unrecognized request argument, with its code <c>unknown_parameter</c> (see <see cref="Serving.UnrecognizedField"/>,
    /// which serve's <c>/predict</c> shares).
    /// </summary>
    public static void RefuseUnknown(JsonElement fields, string prefix, string bodyTakes, IReadOnlyCollection<string> known)
    {
        if (Serving.UnrecognizedField.First(fields, prefix, bodyTakes, known) is { } unknown)
            throw OpenAIApiException.BadRequest(unknown.Message, unknown.Field, OpenAIApiException.UnknownParameter);
    }

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Get(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>
    /// An object of text values (OpenAI's <c>metadata</c>), read into pairs; a value that is not text is refused naming
    /// its key. The object's size and lengths are the caller's to check.
    /// </summary>
    public static Dictionary<string, string> StringMap(JsonElement map, string name)
    {
        if (map.ValueKind != JsonValueKind.Object) throw OpenAIApiException.BadRequest($"{name} must be an object", name, InvalidType);
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in map.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw OpenAIApiException.BadRequest($"{name}.{property.Name} must be a string", name, InvalidType);
            pairs[property.Name] = property.Value.GetString()!;
        }
        return pairs;
    }

    public static JsonElement? Object(JsonElement parent, string name, string? param = null) =>
        Get(parent, name) is not { } value ? null
        : value.ValueKind == JsonValueKind.Object ? value
        : throw OpenAIApiException.BadRequest($"{param ?? name} must be an object", param ?? name, InvalidType);
}
