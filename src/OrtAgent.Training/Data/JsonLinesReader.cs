using System.Globalization;
using System.Text.Json;

namespace OrtAgent.Data;

/// <summary>
/// Reads JSON Lines: one object per line, such as <c>{"text": "Great!", "label": 1}</c>. The columns are
/// resolved from the first object's properties; blank lines are skipped. A file whose first object has a
/// <c>messages</c> property (and no text column was named) is OpenAI's chat fine-tuning format, read by
/// <see cref="ChatExample"/>.
/// </summary>
internal sealed class JsonLinesReader(string path, LabeledTextFileOptions options) : ILabeledTextReader
{
    // As the CSV reader's record bound: a whole JSON document on one line would otherwise be read into memory at once.
    private const int MaxLineChars = 16 * 1024 * 1024;

    public (string TextColumn, string? LabelColumn, IReadOnlyList<string>? Columns) ReadHeader()
    {
        foreach (var (content, line) in NonBlankLines())
        {
            using JsonDocument document = Parse(content, line);
            (string text, string? label, _, _) = ResolveColumns(document.RootElement, line);
            return (text, label, null);
        }
        throw new UserInputException(options.TextOnly
            ? $"{path} is empty; expected one JSON object per line, such as {{\"text\": \"Great film\"}}"
            : $"{path} is empty; expected one JSON object per line, such as {{\"text\": \"Great film\", \"label\": \"positive\"}}");
    }

    public IEnumerable<LabeledText> ReadExamples() => Read(withFields: false).Select(row => row.Example);

    public IEnumerable<(LabeledText Example, IReadOnlyList<InputField> Fields)> ReadRows() => Read(withFields: true);

    private IEnumerable<(LabeledText Example, IReadOnlyList<InputField> Fields)> Read(bool withFields)
    {
        PropertyNames? columns = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (content, line) in NonBlankLines())
        {
            LabeledText example;
            InputField[] fields;
            using (JsonDocument document = Parse(content, line))
            {
                columns ??= ResolveColumns(document.RootElement, line);
                RefuseRepeatedProperty(document.RootElement, line, seen);
                example = ToExample(document.RootElement, line, columns.Value);
                fields = withFields ? [.. document.RootElement.EnumerateObject().Select(InputField.FromJson)] : [];
            }
            yield return (example, fields);
        }
    }

    // Which of two values of one name a row means is a guess (System.Text.Json reads the last, predict's .csv output
    // took the first), and a .jsonl output carrying the row's properties would hold both: refused, as a header's
    // repeated text or label column is.
    private void RefuseRepeatedProperty(JsonElement root, long line, HashSet<string> seen)
    {
        if (root.ValueKind != JsonValueKind.Object) return;
        seen.Clear();
        int position = 0;
        foreach (var property in root.EnumerateObject())
        {
            position++;
            if (seen.Add(property.Name)) continue;
            int first = root.EnumerateObject().TakeWhile(p => p.Name != property.Name).Count() + 1;
            throw new UserInputException(
                $"{path} line {line}: properties {first} and {position} are both named {PrintableText.Quote(property.Name)}, so which value is meant is unclear; rename or remove one");
        }
    }

    private PropertyNames ResolveColumns(JsonElement root, long line)
    {
        RequireObject(root, line);
        if (options.TextColumn is null && options.GroupColumn is null && ChatExample.IsChat(root))
            return new PropertyNames(ChatExample.TextColumn, options.TextOnly ? null : ChatExample.LabelColumn, null, IsChat: true);
        string[] names = root.EnumerateObject().Select(p => p.Name).ToArray();
        (int text, int label, int group) = ColumnResolver.Resolve(names, options, $"{path} line {line}", "properties");
        return new PropertyNames(names[text], label >= 0 ? names[label] : null, group >= 0 ? names[group] : null);
    }

    private LabeledText ToExample(JsonElement root, long line, PropertyNames names)
    {
        if (names.IsChat) return ChatExample.Read(root, line, path, withLabel: names.Label is not null);
        RequireObject(root, line);
        string? text = ReadText(root, line, names.Text);
        string? label = names.Label is null ? null : ReadName(root, line, names.Label, "label")
            ?? throw new UserInputException($"{path} line {line}: label is null (property '{names.Label}'); expected a string or an integer");
        // A group is a name as a label is, but a row may leave it null: one more group, the blank one.
        string? group = names.Group is null ? null : ReadName(root, line, names.Group, "group") ?? "";
        return ExampleValidation.Create(text, label, line, path, names.Text, names.Label, group);
    }

    private readonly record struct PropertyNames(string Text, string? Label, string? Group, bool IsChat = false);

    private string? ReadText(JsonElement root, long line, string name)
    {
        JsonElement value = Property(root, line, name);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            // Said as it is: "text is empty" sent users looking for an empty string the file does not have.
            JsonValueKind.Null => throw new UserInputException($"{path} line {line}: text is null (property '{name}'); expected a string"),
            _ => throw new UserInputException(
                $"{path} line {line}: text must be a string, found {Describe(value)} (property '{name}')"),
        };
    }

    private string? ReadName(JsonElement root, long line, string name, string role)
    {
        JsonElement value = Property(root, line, name);
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Number when value.TryGetInt64(out long number):
                return number.ToString(CultureInfo.InvariantCulture);
            default:
                throw new UserInputException(
                    $"{path} line {line}: {role} must be a string or an integer, found {Describe(value)} (property '{name}')");
        }
    }

    private JsonElement Property(JsonElement root, long line, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value))
        {
            throw new UserInputException($"{path} line {line}: the object has no '{name}' property");
        }
        return value;
    }

    private void RequireObject(JsonElement root, long line)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UserInputException(
                $"{path} line {line}: expected a JSON object such as {(options.TextOnly ? "{\"text\": \"...\"}" : "{\"text\": \"...\", \"label\": \"...\"}")}, found {Describe(root)}");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.String => "a string",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private JsonDocument Parse(string content, long line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException ex)
        {
            string column = ex.BytePositionInLine is long position ? $" column {position + 1}" : "";
            // System.Text.Json appends its own zero-based location; ours names the file's line instead.
            string reason = ex.Message.Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
            throw new UserInputException($"{path} line {line}{column}: malformed JSON: {reason}", ex);
        }
        if (!JsonText.HoldsInvalidText(document.RootElement)) return document;
        document.Dispose();
        throw new UserInputException($"{path} line {line}: holds a \\u escape of half a surrogate pair (such as \\ud800 alone), which is not text; was the line cut from a longer one?");
    }

    /// <summary>The lines that hold something, each with its number in the file (blank lines counted), read under <see cref="MaxLineChars"/>.</summary>
    private IEnumerable<(string Content, long Line)> NonBlankLines()
    {
        using StreamReader stream = Open();
        var reader = new BoundedLineReader(stream, MaxLineChars);
        long line = 0;
        while (ReadLine(reader, line + 1) is string content)
        {
            line++;
            if (!string.IsNullOrWhiteSpace(content)) yield return (content, line);
        }
    }

    private StreamReader Open() => new(Utf8CheckingStream.Open(path), detectEncodingFromByteOrderMarks: true);

    private string? ReadLine(BoundedLineReader reader, long line)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (LineTooLongException ex)
        {
            throw new UserInputException(
                $"{path} line {line}: the line is longer than {MaxLineChars / (1024 * 1024)} Mi characters; JSON Lines holds one object per line, so is this one JSON document?", ex);
        }
        catch (IOException ex)
        {
            throw new UserInputException($"{path}: cannot read the file: {ex.Message}", ex);
        }
    }
}
