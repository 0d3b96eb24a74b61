using System.Text.Json;
using ModelContextProtocol;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>Checks of tool arguments shared by the tools that take texts; each failure is a tool error the model can act on.</summary>
internal static class ToolArguments
{
    /// <summary>The texts of a call that takes <c>text</c> or <c>texts</c>, checked against <paramref name="limits"/>.</summary>
    /// <exception cref="McpException">Both or neither were given, a text is empty or too long, or there are too many.</exception>
    public static IReadOnlyList<string> Texts(string? text, string[]? texts, ToolLimits limits)
    {
        if (text is not null && texts is not null) throw new McpException("give either 'text' or 'texts', not both");
        if (text is null && texts is null) throw new McpException("no text given: pass 'text' (one text) or 'texts' (a list of texts)");
        if (texts is { Length: 0 }) throw new McpException("'texts' is an empty list; pass at least one text");
        if (texts is not null && texts.Length > limits.MaxInputs)
            throw new McpException($"'texts' holds {texts.Length} texts; at most {limits.MaxInputs} are accepted per call, so split them into several calls");
        IReadOnlyList<string> inputs = texts ?? [text!];
        for (int i = 0; i < inputs.Count; i++)
        {
            string where = texts is null ? "'text'" : $"texts[{i}]";
            if (inputs[i] is null) throw new McpException($"{where} is null; every text must be a string");
            // Whitespace-only counts as empty, as it does for the HTTP service and the CLI: there is nothing to classify.
            if (string.IsNullOrWhiteSpace(inputs[i])) throw new McpException($"{where} is {(inputs[i].Length == 0 ? "an empty string" : "only whitespace")}");
            if (CharacterLimit.Excess(inputs[i], limits.MaxChars) is int characters and > 0)
                throw new McpException($"{where} has {characters} characters; at most {limits.MaxChars} are accepted");
        }
        return inputs;
    }

    /// <summary>
    /// Refuses, as an empty text, one the chosen model's tokenizer makes no token of (only characters it drops, such
    /// as a zero-width space or NUL): the model would score it from [CLS] and [SEP] alone.
    /// </summary>
    /// <param name="inputs">The texts <see cref="Texts"/> returned.</param>
    /// <param name="oneText">Whether they came as <c>text</c> rather than <c>texts</c>, which the message names.</param>
    /// <param name="nothingToClassify">The model's <see cref="Serving.ServedClassifier.NothingToClassify"/>.</param>
    /// <exception cref="McpException">A text has no token; the message names it and says what it held.</exception>
    public static void RequireTokens(IReadOnlyList<string> inputs, bool oneText, Func<string, string?> nothingToClassify)
    {
        for (int i = 0; i < inputs.Count; i++)
        {
            if (nothingToClassify(inputs[i]) is { } held)
                throw new McpException($"{(oneText ? "'text'" : $"texts[{i}]")} has nothing to classify: {held}");
        }
    }

    /// <summary>
    /// <paramref name="value"/> as a JSON integer when it is a number with no fractional part that fits an int, written
    /// otherwise (<c>3.0</c>, <c>3e0</c>, <c>30e-1</c>); null for anything else, which the caller judges. JSON Schema's
    /// <c>integer</c> is such a number, and a client (or a model writing its arguments) may well send <c>3.0</c>.
    /// </summary>
    public static JsonElement? WholeNumber(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && !value.TryGetInt32(out _) && JsonWholeNumber.TryGetInt32(value, out int number)
            ? JsonSerializer.SerializeToElement(number) : null;
}
