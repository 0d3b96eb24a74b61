using System.Text;
using System.Text.Json;

namespace OrtAgent.Data;

/// <summary>
/// Reads one line of OpenAI's chat fine-tuning format, <c>{"messages": [{"role": "system", ...}?, {"role": "user",
/// "content": TEXT}, {"role": "assistant", "content": LABEL}]}</c>, as a labelled example: the text is the last user
/// message, the label the last assistant message. A classifier has no use for the system prompt, so it is ignored.
/// </summary>
internal static class ChatExample
{
    /// <summary>The property that marks a JSON Lines file as chat-formatted.</summary>
    public const string MessagesProperty = "messages";

    /// <summary>How the text and label "columns" are named in messages about a chat-formatted file.</summary>
    public const string TextColumn = "messages[user]";

    public const string LabelColumn = "messages[assistant]";

    /// <summary>Whether <paramref name="root"/> is a chat line (an object with a <c>messages</c> property).</summary>
    public static bool IsChat(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(MessagesProperty, out _);

    /// <summary>
    /// The example on <paramref name="line"/>; without <paramref name="withLabel"/> (reading text only) the assistant
    /// message may be missing and the label is empty.
    /// </summary>
    /// <exception cref="UserInputException">The line is not a chat, or lacks a user or assistant message.</exception>
    public static LabeledText Read(JsonElement root, long line, string path, bool withLabel)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(MessagesProperty, out var messages))
            throw new UserInputException($"{path} line {line}: expected a chat such as {{\"messages\": [{{\"role\": \"user\", ...}}, {{\"role\": \"assistant\", ...}}]}}");
        if (messages.ValueKind != JsonValueKind.Array)
            throw new UserInputException($"{path} line {line}: 'messages' must be an array of {{\"role\", \"content\"}} objects");
        string? user = null, assistant = null;
        int index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            string where = $"{path} line {line}: message {index++}";
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                throw new UserInputException($"{where} must be an object with a string 'role'");
            switch (role.GetString())
            {
                case "user": user = Content(message, where); break;
                case "assistant": assistant = Content(message, where); break;
                case "system" or "developer": break;
                case var other:
                    throw new UserInputException($"{where}: role '{other}' is not supported; a classifier learns from system, user and assistant messages");
            }
        }
        if (user is null) throw new UserInputException($"{path} line {line}: no user message (the text to classify)");
        if (withLabel && assistant is null) throw new UserInputException($"{path} line {line}: no assistant message (the label)");
        return ExampleValidation.Create(user, assistant, line, path, TextColumn, withLabel ? LabelColumn : null);
    }

    /// <summary>A message's content: a string, or the text parts of a content array joined.</summary>
    /// <param name="message">The message object.</param>
    /// <param name="where">The message, as refusals name it.</param>
    /// <param name="whereIsPath">
    /// Whether <paramref name="where"/> is a request's JSON path (<c>messages[1]</c>), which a part's refusal extends
    /// (<c>messages[1].content[0].type</c>); otherwise a file's line and message, which it follows after a colon.
    /// </param>
    public static string? Content(JsonElement message, string where, bool whereIsPath = false)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return null;
        if (content.ValueKind == JsonValueKind.String) return content.GetString();
        if (content.ValueKind != JsonValueKind.Array) throw new UserInputException($"{where}: 'content' must be a string or an array of text parts");
        var text = new StringBuilder();
        int index = 0;
        foreach (var part in content.EnumerateArray())
        {
            string at = whereIsPath ? $"{where}.content[{index++}]" : $"{where}: content[{index++}]";
            // Every part names its type, as OpenAI's API requires: {"text": "hi"} alone was taken, and {"type": null, "text": "hi"}
            // or {"type": 5, "text": "hi"} still was; only a part typed "text" is read.
            if (part.ValueKind != JsonValueKind.Object) throw OnlyTextParts();
            if (!part.TryGetProperty("type", out var type) || type.ValueKind == JsonValueKind.Null)
                throw PartRefused($"{at}.type is {(type.ValueKind == JsonValueKind.Null ? "null" : "missing")}; a text part is {{\"type\": \"text\", \"text\": ...}}", $"{at}.type");
            if (type.ValueKind != JsonValueKind.String)
                throw PartRefused($"{at}.type is not a string; a text part is {{\"type\": \"text\", \"text\": ...}}", $"{at}.type");
            if (type.GetString() != "text") throw OnlyTextParts();
            if (!part.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
                throw PartRefused($"{at} is a text part without a string 'text'", $"{at}.text");
            text.Append(value.GetString());
        }
        return text.ToString();

        // A request's refusal names the field by its path, for an API's param; a file's is the plain refusal of its other lines.
        UserInputException PartRefused(string message, string field) =>
            whereIsPath ? new ContentPartException(message, field) : new UserInputException(message);
        UserInputException OnlyTextParts() => new($"{where}: only text content parts ({{\"type\": \"text\", \"text\": ...}}) can be classified");
    }
}

/// <summary>A content part refused for its <c>type</c> or <c>text</c>, naming the field as <see cref="Field"/>.</summary>
/// <param name="message">What is wrong, naming the part.</param>
/// <param name="field">
/// The refused field, by its JSON path in the request (<c>messages[1].content[0].type</c>), so that an API names it as
/// its <c>param</c>, as it names a duplicated field.
/// </param>
internal sealed class ContentPartException(string message, string field) : UserInputException(message)
{
    public string Field { get; } = field;
}
