using System.Globalization;
using System.Text.Json;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// What one chat parameter may hold, as OpenAI's API reference gives it (its JSON type, and a range, a length or a set
/// of values), and its refusal of anything else with the code OpenAI's API answers that mistake with:
/// <c>invalid_type</c>, <c>decimal_above_max_value</c>, <c>integer_below_min_value</c>, <c>invalid_value</c>,
/// <c>array_above_max_length</c>, <c>string_above_max_length</c>, … The rules are the rows of <see cref="ChatParameters"/>.
/// </summary>
internal sealed class ChatParameterRule
{
    private readonly Action<JsonElement, string> _check;

    private ChatParameterRule(Action<JsonElement, string> check) => _check = check;

    /// <summary>Refuses <paramref name="value"/> (present and not null) of the parameter <paramref name="name"/> if it breaks the rule.</summary>
    /// <exception cref="OpenAIApiException">400 naming the parameter, the rule and the value given.</exception>
    public void Check(JsonElement value, string name) => _check(value, name);

    /// <summary>A number from <paramref name="min"/> to <paramref name="max"/> (sampling settings: <c>temperature</c> 0–2).</summary>
    public static ChatParameterRule Number(double min, double max) => new((value, name) =>
    {
        string range = string.Create(CultureInfo.InvariantCulture, $"from {min} to {max}");
        if (value.ValueKind != JsonValueKind.Number)
            throw OpenAIApiException.BadRequest($"{name} must be a number {range}", name, JsonFields.InvalidType);
        // A number past a double's range (1e400) is no double, and past every range.
        bool finite = value.TryGetDouble(out double number);
        if (!finite || number < min || number > max)
            throw OpenAIApiException.BadRequest($"{name} is {JsonFields.Given(value)}; it must be {range}", name,
                (finite ? number < min : Negative(value)) ? "decimal_below_min_value" : "decimal_above_max_value");
    });

    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/>. One written as a fraction (<c>1.5</c>) is the
    /// wrong type; a whole one past the range, however large (<c>1e30</c>), is out of range.
    /// </summary>
    public static ChatParameterRule Integer(long min, long max) => new((value, name) => CheckInteger(value, name, name, min, max));

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public static ChatParameterRule TrueOrFalse { get; } = new((value, name) =>
    {
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw OpenAIApiException.BadRequest($"{name} must be true or false", name, JsonFields.InvalidType);
    });

    /// <summary>Text of at most <paramref name="maxLength"/> characters (code points, as <see cref="Serving.CharacterLimit"/> counts them).</summary>
    public static ChatParameterRule Text(int maxLength = int.MaxValue) => new((value, name) =>
    {
        if (value.ValueKind != JsonValueKind.String)
            throw OpenAIApiException.BadRequest($"{name} must be a string", name, JsonFields.InvalidType);
        if (Serving.CharacterLimit.Excess(value.GetString()!, maxLength) is var characters and > 0)
            throw OpenAIApiException.BadRequest($"{name} has {characters} characters; it must have at most {maxLength}", name, "string_above_max_length");
    });

    /// <summary>One of <paramref name="values"/> (<c>service_tier</c>, <c>reasoning_effort</c>).</summary>
    public static ChatParameterRule OneOf(params string[] values) => new((value, name) => CheckOneOf(value, name, name, values, orObject: false));

    /// <summary>One of <paramref name="values"/>, or an object (<c>tool_choice</c>: <c>"none"</c>, or the function to call).</summary>
    public static ChatParameterRule OneOfOrObject(params string[] values) => new((value, name) => CheckOneOf(value, name, name, values, orObject: true));

    /// <summary>An object, whose fields this service does not read (<c>web_search_options</c>, <c>prediction</c>).</summary>
    public static ChatParameterRule AnObject { get; } = new((value, name) => RequireObject(value, name));

    /// <summary>An object whose <c>type</c>, which it must have, is one of <paramref name="types"/> (<c>response_format</c>).</summary>
    public static ChatParameterRule TypedObject(params string[] types) => new((value, name) =>
    {
        RequireObject(value, name);
        if (JsonFields.Get(value, "type") is not { } type)
            throw OpenAIApiException.BadRequest($"{name}.type is required: one of {string.Join(", ", types)}", $"{name}.type", OpenAIApiException.MissingRequiredParameter);
        CheckOneOf(type, $"{name}.type", $"{name}.type", types, orObject: false);
    });

    /// <summary>An array, whose items this service does not read (<c>tools</c>).</summary>
    public static ChatParameterRule AnArray { get; } = new((value, name) =>
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw OpenAIApiException.BadRequest($"{name} must be an array", name, JsonFields.InvalidType);
    });

    /// <summary>An array of items each one of <paramref name="values"/> (<c>modalities</c>).</summary>
    public static ChatParameterRule ArrayOf(params string[] values) => new((value, name) =>
    {
        AnArray.Check(value, name);
        int index = 0;
        foreach (var item in value.EnumerateArray()) CheckOneOf(item, $"{name}[{index++}]", name, values, orObject: false);
    });

    /// <summary>A string, or an array of 1 to <paramref name="maxItems"/> strings (<c>stop</c>).</summary>
    public static ChatParameterRule TextOrTexts(int maxItems) => new((value, name) =>
    {
        string expected = $"a string or an array of 1 to {maxItems} strings";
        if (value.ValueKind == JsonValueKind.String) return;
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
            throw OpenAIApiException.BadRequest($"{name} must be {expected}", name, JsonFields.InvalidType);
        int count = value.GetArrayLength();
        if (count == 0) throw OpenAIApiException.BadRequest($"{name} is an empty array; it must be {expected}, or be left out", name, "array_below_min_length");
        if (count > maxItems) throw OpenAIApiException.BadRequest($"{name} has {count} items; it must be {expected}", name, "array_above_max_length");
    });

    /// <summary>An object whose values are whole numbers from <paramref name="min"/> to <paramref name="max"/> (<c>logit_bias</c>: token to bias).</summary>
    public static ChatParameterRule MapOfIntegers(long min, long max) => new((value, name) =>
    {
        RequireObject(value, name);
        foreach (var pair in value.EnumerateObject())
            CheckInteger(pair.Value, $"{name}[{PrintableText.Quote(pair.Name)}]", name, min, max);
    });

    /// <summary>OpenAI's metadata: at most 16 pairs of text, keys up to 64 characters and values up to 512, as a job's metadata.</summary>
    public static ChatParameterRule Metadata { get; } = new((value, name) => Jobs.FineTuningJobs.CheckMetadata(JsonFields.StringMap(value, name)));

    private static void RequireObject(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw OpenAIApiException.BadRequest($"{name} must be an object", name, JsonFields.InvalidType);
    }

    private static void CheckInteger(JsonElement value, string what, string param, long min, long max)
    {
        string range = min == long.MinValue && max == long.MaxValue ? "" : $" from {min} to {max}";
        // A token count has no upper bound but an int's: "at least 1" says what matters.
        string valueRange = range.Length == 0 ? " a 64-bit integer" : max == int.MaxValue ? $" at least {min}" : range;
        if (value.ValueKind != JsonValueKind.Number)
            throw OpenAIApiException.BadRequest($"{what} must be an integer{range}", param, JsonFields.InvalidType);
        // Decided on the digits as written, as every integer serve and the MCP tools read: 1e-400 is no 0, nor is
        // 2.00000000000000000000000000001 a 2, though a double rounds them so.
        if (!Serving.JsonWholeNumber.IsWhole(value)) throw OpenAIApiException.BadRequest($"{what} must be an integer{range}", param, JsonFields.InvalidType);
        if (!value.TryGetDouble(out double number)) throw OutOfRange(value, what, param, valueRange, below: Negative(value));   // 1e400
        // 5.0 and 1e3 are whole numbers that TryGetInt64 does not read; 1e30 is one past every range.
        if (!value.TryGetInt64(out long whole))
        {
            if (number is < long.MinValue or >= long.MaxValue) throw OutOfRange(value, what, param, valueRange, below: number < 0);
            whole = (long)number;
        }
        if (whole < min || whole > max) throw OutOfRange(value, what, param, valueRange, below: whole < min);
    }

    private static bool Negative(JsonElement number) => number.GetRawText().StartsWith('-');

    private static OpenAIApiException OutOfRange(JsonElement value, string what, string param, string range, bool below) =>
        OpenAIApiException.BadRequest($"{what} is {JsonFields.Given(value)}; it must be{range}", param,
            below ? "integer_below_min_value" : "integer_above_max_value");

    private static void CheckOneOf(JsonElement value, string what, string param, string[] values, bool orObject)
    {
        string expected = $"one of {string.Join(", ", values)}{(orObject ? ", or an object" : "")}";
        if (orObject && value.ValueKind == JsonValueKind.Object) return;
        if (value.ValueKind != JsonValueKind.String)
            throw OpenAIApiException.BadRequest($"{what} must be {expected}", param, JsonFields.InvalidType);
        if (!values.Contains(value.GetString(), StringComparer.Ordinal))
            throw OpenAIApiException.BadRequest($"{what} is {JsonFields.Given(value)}; it must be {expected}", param, "invalid_value");
    }
}
