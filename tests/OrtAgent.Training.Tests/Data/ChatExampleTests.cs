using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

/// <summary>OpenAI's chat fine-tuning format, read through <see cref="LabeledTextFile"/>.</summary>
public sealed class ChatExampleTests : IDisposable
{
    private readonly TempDirectory _folder = new("data");

    public void Dispose() => _folder.Dispose();

    private static string Chat(string user, string assistant) =>
        $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"{user}\"}}, {{\"role\": \"assistant\", \"content\": \"{assistant}\"}}]}}\n";

    [Fact]
    public void TheLastUserMessageIsTheTextAndTheAssistantMessageTheLabel()
    {
        string path = _folder.Write("chat.jsonl",
            "{\"messages\": [{\"role\": \"system\", \"content\": \"Classify.\"}, {\"role\": \"user\", \"content\": \"first\"}, " +
            "{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"great \"}, {\"type\": \"text\", \"text\": \"film\"}]}, " +
            "{\"role\": \"assistant\", \"content\": \" positive \", \"weight\": 1}]}\n" +
            "\n" + Chat("dull film", "negative"));

        var file = LabeledTextFile.Open(path);

        Assert.Equal([new LabeledText("great film", "positive", 1), new LabeledText("dull film", "negative", 3)], file.ToArray());
        Assert.Equal("messages[user]", file.TextColumn);
        Assert.Equal("messages[assistant]", file.LabelColumn);
    }

    [Fact]
    public void TheLabelSetIsTheDistinctAssistantContents()
    {
        string path = _folder.Write("chat.jsonl", Chat("a", "spam") + Chat("b", "ham") + Chat("c", "spam"));

        Assert.Equal(["ham", "spam"], LabelSet.FromFile(LabeledTextFile.Open(path)));
    }

    [Fact]
    public void ReadingTextOnlyNeedsNoAssistantMessage()
    {
        string path = _folder.Write("chat.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hello\"}]}\n");

        Assert.Equal(["hello"], UnlabeledTextFile.Open(path).Select(t => t.Text));
    }

    [Theory]
    [InlineData("{\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]}", "line 2: no user message (the text to classify)")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", "line 2: no assistant message (the label)")]
    [InlineData("{\"messages\": {\"role\": \"user\"}}", "line 2: 'messages' must be an array of {\"role\", \"content\"} objects")]
    [InlineData("{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}", "line 2: message 0: role 'tool' is not supported; a classifier learns from system, user and assistant messages")]
    [InlineData("{\"messages\": [{\"content\": \"x\"}]}", "line 2: message 0 must be an object with a string 'role'")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": 3}]}", "line 2: message 1: 'content' must be a string or an array of text parts")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"text\": \"x\"}]}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "line 2: message 0: content[0].type is missing; a text part is {\"type\": \"text\", \"text\": ...}")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": null, \"text\": \"x\"}]}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "line 2: message 0: content[0].type is null; a text part is {\"type\": \"text\", \"text\": ...}")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\"}]}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "line 2: message 0: content[0] is a text part without a string 'text'")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": 5, \"text\": \"x\"}]}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "line 2: message 0: content[0].type is not a string; a text part is {\"type\": \"text\", \"text\": ...}")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"text\": \"x\"}]}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "line 2: message 0: only text content parts ({\"type\": \"text\", \"text\": ...}) can be classified")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \" \"}]}", "line 2: label is empty (column 'messages[assistant]')")]
    [InlineData("{\"text\": \"x\", \"label\": \"y\"}", "line 2: expected a chat such as")]
    public void ABadLineIsNamed(string line, string expected)
    {
        string path = _folder.Write("chat.jsonl", Chat("fine", "ok") + line + "\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.StartsWith($"{path} {expected}", error.Message);
    }
}
