using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// One real <c>ortagent mcp</c> process serving the sentiment, topic and opinions toy models (at most 3 texts of 50 characters a
/// call), driven by the SDK's client over stdio with the newest protocol revision.
/// </summary>
public sealed class McpStdioServerFixture : IAsyncLifetime
{
    public McpModels Models { get; } = new();

    public List<string> Stderr { get; } = [];

    public McpClient Client { get; private set; } = null!;

    public async Task InitializeAsync() => Client = await OrtAgentMcpProcess.ConnectAsync(
        ["--model", Models.SentimentDirectory, "--model", Models.TopicDirectory, "--model", Models.OpinionsDirectory, "--max-inputs", "3", "--max-chars", "50"], stderr: Stderr);

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        Models.Dispose();
    }
}

public sealed class McpStdioServerTests(McpStdioServerFixture server) : IClassFixture<McpStdioServerFixture>
{
    private McpClient Client => server.Client;

    [Fact]
    public async Task ListsItsToolsWithDescriptionsInputSchemasAndOutputSchemas()
    {
        var tools = (await Client.ListToolsAsync()).ToDictionary(t => t.Name);

        Assert.Equal(["classify_text", "explain_text", "list_models"], tools.Keys.Order());
        foreach (var tool in tools.Values)
        {
            Assert.True(tool.Description.Length > 80, $"{tool.Name}: '{tool.Description}' is too short to guide a model");
            Assert.Equal("object", tool.JsonSchema.GetProperty("type").GetString());
            Assert.Equal("object", tool.ReturnJsonSchema!.Value.GetProperty("type").GetString());
            Assert.True(tool.ProtocolTool.Annotations!.ReadOnlyHint);
        }
        var classify = tools["classify_text"];
        var inputs = classify.JsonSchema.GetProperty("properties");
        Assert.Equal(["model", "text", "texts"], inputs.EnumerateObject().Select(p => p.Name).Order());
        Assert.Contains("'texts'", inputs.GetProperty("text").GetProperty("description").GetString());
        var results = classify.ReturnJsonSchema!.Value.GetProperty("properties").GetProperty("results");
        Assert.Equal("array", results.GetProperty("type").GetString());
        Assert.Contains("models", tools["list_models"].ReturnJsonSchema!.Value.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    /// <summary>
    /// What the generator emits, pinned with the server's limits written in (ToolSchemaLimits): it said neither the
    /// 3-text and 50-character limits of this server nor that one of text and texts is required, and let texts hold nulls.
    /// </summary>
    [Fact]
    public async Task TheTextArgumentsSchemasGiveTheServersLimits()
    {
        var tools = (await Client.ListToolsAsync()).ToDictionary(t => t.Name);

        var classify = tools["classify_text"].JsonSchema;
        Assert.False(classify.TryGetProperty("required", out _));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {
              "text": {"description": "One text to classify; at most 50 characters. Exactly one of 'text' and 'texts' is required.",
                       "type": ["string", "null"], "default": null, "maxLength": 50},
              "texts": {"description": "Several texts to classify in one call, answered in the same order; 1 to 3 texts of at most 50 characters each. Exactly one of 'text' and 'texts' is required.",
                        "type": ["array", "null"], "items": {"type": "string", "maxLength": 50}, "default": null, "minItems": 1, "maxItems": 3},
              "model": {"description": "Name of the model to use, as list_models reports it. May be left out when only one model is loaded.",
                        "type": ["string", "null"], "default": null}
            }
            """), JsonNode.Parse(classify.GetProperty("properties").GetRawText())), classify.ToString());
        var explain = tools["explain_text"].JsonSchema.GetProperty("properties");
        Assert.Equal(50, explain.GetProperty("text").GetProperty("maxLength").GetInt32());
        Assert.EndsWith("; at most 50 characters.", explain.GetProperty("text").GetProperty("description").GetString());
        Assert.Equal((1, 256), (explain.GetProperty("steps").GetProperty("minimum").GetInt32(), explain.GetProperty("steps").GetProperty("maximum").GetInt32()));
        // The guard holds a call to what the schema says.
        Assert.Equal("steps: 300 is out of range; give 1 to 256",
            await Client.CallFailingAsync("explain_text", new() { ["text"] = "good", ["model"] = "opinions", ["steps"] = 300 }));
    }

    [Fact]
    public async Task ClassifyTextLabelsOneTextWithEveryLabelProbabilityHighestFirst()
    {
        var answer = await Client.CallAsync("classify_text", new() { ["text"] = "the movie was great", ["model"] = "sentiment" });

        Assert.Equal("sentiment", answer.GetProperty("model").GetString());
        var result = Assert.Single(answer.GetProperty("results").EnumerateArray());
        Assert.Equal("positive", result.GetProperty("label").GetString());
        var probabilities = McpToolResults.Probabilities(result);
        Assert.Equal(["positive", "negative"], probabilities.Select(p => p.Label));
        Assert.Equal(result.GetProperty("score").GetDouble(), probabilities[0].Probability, 6);
        // "great" pushes positive by 6, averaged over [CLS] the movie was great [SEP]: logits (0, 1), so sigmoid(1).
        Assert.Equal(1 / (1 + Math.Exp(-1)), probabilities[0].Probability, 5);
        Assert.Equal(1.0, probabilities.Sum(p => p.Probability), 4);
    }

    [Fact]
    public async Task ClassifyTextAnswersAListInTheOrderGivenAndWithTheModelNamed()
    {
        var sentiment = await Client.CallAsync("classify_text", new() { ["texts"] = new[] { "the film was awful", "a wonderful book", "terrible" }, ["model"] = "sentiment" });
        Assert.Equal(["negative", "positive", "negative"], sentiment.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString()));

        var topic = await Client.CallAsync("classify_text", new() { ["texts"] = new[] { "the football match", "delicious pizza" }, ["model"] = "TOPIC" });
        Assert.Equal("topic", topic.GetProperty("model").GetString());
        var results = topic.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["sports", "food"], results.Select(r => r.GetProperty("label").GetString()));
        Assert.All(results, r => Assert.Equal(3, McpToolResults.Probabilities(r).Length));
    }

    /// <summary>Each model tool's result passes the check the TypeScript SDK's client makes against the output schema.</summary>
    [Fact]
    public async Task EveryModelToolsResultMatchesItsOutputSchema()
    {
        var tools = (await Client.ListToolsAsync()).ToDictionary(t => t.Name);
        McpOutputSchema.AssertMatches(tools["list_models"], await Client.CallAsync("list_models", []));
        McpOutputSchema.AssertMatches(tools["classify_text"], await Client.CallAsync("classify_text", new() { ["texts"] = new[] { "the film was awful", "a wonderful book" }, ["model"] = "sentiment" }));
        McpOutputSchema.AssertMatches(tools["explain_text"], await Client.CallAsync("explain_text", new() { ["text"] = "the movie was good but the plot was boring", ["model"] = "opinions" }));
        McpOutputSchema.AssertMatches(tools["explain_text"], await Client.CallAsync("explain_text", new() { ["text"] = "good", ["model"] = "opinions", ["label"] = "negative", ["steps"] = 1 }));
    }

    [Fact]
    public async Task ListModelsGivesNamesLabelsBaseModelAndMetrics()
    {
        var answer = await Client.CallAsync("list_models", []);

        var models = answer.GetProperty("models").EnumerateArray().ToArray();
        Assert.Equal(["sentiment", "topic", "opinions"], models.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(["negative", "positive"], models[0].GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(["food", "sports", "other"], models[1].GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        // Only opinions has explain.onnx; a client had to call explain_text to find out.
        Assert.Equal([false, false, true], models.Select(m => m.GetProperty("explainable").GetBoolean()));
        Assert.All(models, m =>
        {
            Assert.Equal("toy-bag-of-words", m.GetProperty("base_model").GetString());
            Assert.Equal(1.0, m.GetProperty("metrics").GetProperty("accuracy").GetDouble());
        });
    }

    [Fact]
    public async Task ExplainTextListsTheWordsForAndAgainstThePredictedLabelWithExactAttributions()
    {
        // [CLS] the movie was good but the plot was boring [SEP]: 11 tokens ("but" is [UNK]), so "good" gives the
        // positive logit 4/11 and "boring" -2/11; the logits are -2/11 and 2/11.
        var answer = await Client.CallAsync("explain_text", new() { ["text"] = "the movie was good but the plot was boring", ["model"] = "opinions" });

        Assert.Equal("opinions", answer.GetProperty("model").GetString());
        Assert.Equal("positive", answer.GetProperty("label").GetString());
        Assert.Equal("positive", answer.GetProperty("predicted_label").GetString());
        Assert.Equal(1 / (1 + Math.Exp(-4.0 / 11)), answer.GetProperty("score").GetDouble(), 5);
        var wordFor = Assert.Single(Words(answer, "words_for"));
        Assert.Equal(("good", 14), (wordFor.Word, wordFor.Start));
        Assert.Equal(4.0 / 11, wordFor.Attribution, 5);
        var against = Assert.Single(Words(answer, "words_against"));
        Assert.Equal(("boring", 36), (against.Word, against.Start));
        Assert.Equal(-2.0 / 11, against.Attribution, 5);
        Assert.Equal(0, answer.GetProperty("relative_completeness_gap").GetDouble(), 4);
        Assert.False(answer.GetProperty("truncated").GetBoolean());
    }

    /// <summary>
    /// A word's start counts UTF-16 code units, as /explain and explain --json count them; the schema said "index of the
    /// word's first character", which a Python client reads as code points and so misplaces every word after an emoji.
    /// </summary>
    [Fact]
    public async Task ExplainTextSaysItsOffsetsCountUtf16CodeUnits()
    {
        var answer = await Client.CallAsync("explain_text", new() { ["text"] = "😀 the movie was good", ["model"] = "opinions" });

        Assert.Equal(("good", 17), (Words(answer, "words_for")[0].Word, Words(answer, "words_for")[0].Start));
        var explain = (await Client.ListToolsAsync()).Single(t => t.Name == "explain_text");
        var word = explain.ReturnJsonSchema!.Value.GetProperty("properties").GetProperty("words_for").GetProperty("items");
        if (word.TryGetProperty("$ref", out var reference))
            word = explain.ReturnJsonSchema!.Value.GetProperty("$defs").GetProperty(reference.GetString()!.Split('/')[^1]);
        Assert.Contains("UTF-16 code units (as .NET and JavaScript index strings)", word.GetProperty("properties").GetProperty("start").GetProperty("description").GetString());
    }

    /// <summary>
    /// A bidi override inside a word came back raw in the word, where it could turn the words after it around in an
    /// agent's UI; the tokenizer drops it, so the model never read it, and the word is given without it.
    /// </summary>
    [Fact]
    public async Task ExplainTextGivesWordsWithoutBidiControls()
    {
        var answer = await Client.CallAsync("explain_text", new() { ["text"] = "the movie was good\u202E\u2066 indeed", ["model"] = "opinions" });

        Assert.Equal(("good", 14), (Words(answer, "words_for")[0].Word, Words(answer, "words_for")[0].Start));
    }

    /// <summary>
    /// The controls were stripped but the word kept its start: in "the movie was \u202Egood indeed" 'good' started at the
    /// override, so text[start..] read "\u202Egoo". It starts where the word given does.
    /// </summary>
    [Fact]
    public async Task AWordStrippedOfALeadingBidiControlStartsAfterIt()
    {
        const string text = "the movie was \u202E\u2066good indeed";
        var answer = await Client.CallAsync("explain_text", new() { ["text"] = text, ["model"] = "opinions" });

        var (word, start, _) = Words(answer, "words_for")[0];
        Assert.Equal(("good", 16), (word, start));
        Assert.Equal("good", text.Substring(start, word.Length));
    }

    /// <summary>An int8 model is explained through its fp32 weights; explain and /explain said so, explain_text did not.</summary>
    [Fact]
    public async Task ExplainTextSaysWhenAnInt8ModelWasExplainedThroughItsFp32Weights()
    {
        using var folder = new TempDirectory();
        var int8 = Path.Combine(folder.Path, "opinions");
        Directory.CreateDirectory(int8);
        foreach (var file in Directory.GetFiles(server.Models.OpinionsDirectory)) File.Copy(file, Path.Combine(int8, Path.GetFileName(file)));
        // As an int8 export records itself; explaining reads only that record (explain.onnx is fp32 in both).
        var onnx = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(int8, "model.onnx"));
        onnx.Metadata[OrtAgent.Runtime.ModelContract.WeightsKey] = "int8";
        onnx.Save(Path.Combine(int8, "model.onnx"));
        // explain.onnx records the bytes of the model.onnx it explains, which the edit changed.
        var explain = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(int8, "explain.onnx"));
        explain.Metadata[OrtAgent.Runtime.Explanations.ExplainGraphNames.ModelDigestMetadata] =
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(int8, "model.onnx"))));
        explain.Save(Path.Combine(int8, "explain.onnx"));
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--model", int8]);

        var answer = await client.CallAsync("explain_text", new() { ["text"] = "the movie was good" });

        Assert.StartsWith("fp32", answer.GetProperty("explained_weights").GetString());
        var fp32 = await Client.CallAsync("explain_text", new() { ["text"] = "the movie was good", ["model"] = "opinions" });
        Assert.True(!fp32.TryGetProperty("explained_weights", out var none) || none.ValueKind == JsonValueKind.Null, fp32.ToString());
    }

    [Fact]
    public async Task ExplainTextExplainsAnotherLabelWhenAskedAndListsAtMostTopWords()
    {
        var negative = await Client.CallAsync("explain_text", new() { ["text"] = "the movie was good but the plot was boring", ["label"] = "negative", ["model"] = "opinions" });
        Assert.Equal(("negative", "positive"), (negative.GetProperty("label").GetString(), negative.GetProperty("predicted_label").GetString()));
        Assert.Equal(["boring"], Words(negative, "words_for").Select(w => w.Word));
        Assert.Equal(["good"], Words(negative, "words_against").Select(w => w.Word));

        var top = await Client.CallAsync("explain_text", new() { ["text"] = "good acting , great plot , good book", ["top"] = 2, ["model"] = "opinions" });
        var words = Words(top, "words_for");
        Assert.Equal(2, words.Length);
        Assert.All(words, w => Assert.Equal(4.0 / 10, w.Attribution, 5));
        Assert.Empty(Words(top, "words_against"));
    }

    [Theory]
    [InlineData("topic", null, 5, "topic cannot be explained: ")]
    [InlineData("opinions", "neutral", 5, "'neutral' is not a label of opinions; its labels are: negative, positive")]
    [InlineData("opinions", null, 0, "top: 0 is out of range; give 1 to 50")]
    [InlineData("opinions", null, 51, "top: 51 is out of range; give 1 to 50")]
    // Explained as [CLS] [SEP] with no words until 2026-12-06; refused as classify_text refuses it.
    [InlineData("opinions", null, 5, "'text' has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)", "\u200b")]
    public async Task ExplainTextRefusesWhatItCannotExplainAsAToolError(string model, string? label, int top, string expected, string text = "good")
    {
        var message = await Client.CallFailingAsync("explain_text", new() { ["text"] = text, ["model"] = model, ["label"] = label, ["top"] = top });

        Assert.StartsWith(expected, message);
    }

    [Fact]
    public async Task AMissingRequiredArgumentIsNamed()
    {
        Assert.StartsWith("explain_text needs the argument 'text'", await Client.CallFailingAsync("explain_text", new() { ["model"] = "opinions" }));
    }

    private static (string Word, int Start, double Attribution)[] Words(JsonElement answer, string side) =>
        answer.GetProperty(side).EnumerateArray()
            .Select(w => (w.GetProperty("word").GetString()!, w.GetProperty("start").GetInt32(), w.GetProperty("attribution").GetDouble()))
            .ToArray();

    public static TheoryData<string, Dictionary<string, object?>, string> BadCalls => new()
    {
        { "no text", new() { ["model"] = "sentiment" }, "no text given" },
        { "both", new() { ["text"] = "good", ["texts"] = new[] { "bad" }, ["model"] = "sentiment" }, "give either 'text' or 'texts', not both" },
        { "empty list", new() { ["texts"] = Array.Empty<string>(), ["model"] = "sentiment" }, "'texts' is an empty list" },
        { "empty text", new() { ["texts"] = new[] { "good", "" }, ["model"] = "sentiment" }, "texts[1] is an empty string" },
        { "blank text", new() { ["text"] = " \t\n", ["model"] = "sentiment" }, "'text' is only whitespace" },
        { "zero-width text", new() { ["texts"] = new[] { "good", "\u200b\u00ad" }, ["model"] = "sentiment" },
            "texts[1] has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B, U+00AD)" },
        { "accent alone", new() { ["text"] = "\u0301", ["model"] = "sentiment" },
            "'text' has nothing to classify: it holds only combining-mark characters, which the tokenizer drops (U+0301)" },
        { "too many", new() { ["texts"] = new[] { "a", "b", "c", "d" }, ["model"] = "sentiment" }, "'texts' holds 4 texts; at most 3" },
        { "too long", new() { ["text"] = new string('a', 51), ["model"] = "sentiment" }, "'text' has 51 characters; at most 50" },
        { "unknown model", new() { ["text"] = "good", ["model"] = "spam" }, "no model is named 'spam'; the loaded models are: sentiment, topic, opinions" },
        { "model not named", new() { ["text"] = "good" }, "several models are loaded (sentiment, topic, opinions)" },
        // Used the default model on single-model servers, and on this one asked to "say which one with the 'model' argument".
        { "model empty", new() { ["text"] = "good", ["model"] = "" }, "'model' is empty: name one of the loaded models (sentiment, topic, opinions)" },
        { "model blank", new() { ["text"] = "good", ["model"] = "  " }, "'model' is blank: name one of the loaded models (sentiment, topic, opinions)" },
        { "wrong type", new() { ["texts"] = 5, ["model"] = "sentiment" }, "argument 'texts' of classify_text must be an array of strings, not a number" },
        { "wrong item", new() { ["texts"] = new object[] { "good", 7 }, ["model"] = "sentiment" }, "argument 'texts' of classify_text must be an array of strings, and item 1 is a number" },
        // Refused by the schema, whose items are strings (ToolSchemaLimits): the classifier treats a null in a batch as the caller's bug.
        { "null item", new() { ["texts"] = new object?[] { "good", null }, ["model"] = "sentiment" }, "argument 'texts' of classify_text must be an array of strings, and item 1 is null" },
        { "misspelt", new() { ["txt"] = "good", ["model"] = "sentiment" }, "classify_text has no argument 'txt'; it takes: text, texts, model" },
    };

    /// <summary>explain_text called with classify_text's 'texts' said only that 'text' was missing, not what was given wrong.</summary>
    [Fact]
    public async Task ARequiredArgumentGivenUnderAnotherNameIsNamedBothWays() =>
        Assert.Equal("explain_text needs the argument 'text', and has no argument 'texts'; it takes: text, label, top, model, steps",
            await Client.CallFailingAsync("explain_text", new() { ["texts"] = new[] { "good" }, ["model"] = "sentiment" }));

    [Theory]
    // It named int's range (-2147483648 to 2147483647), not the tool's; then it quoted top's whole description.
    [InlineData(99999999999, "top: 99999999999 is out of range; give 1 to 50")]
    [InlineData(-1e12, "top: -1000000000000 is out of range; give 1 to 50")]
    [InlineData(2.5, "argument 'top' of explain_text must be a whole number, not 2.5")]
    public async Task AnIntegerArgumentOutsideWhatTheToolTakesIsNamed(double top, string expected) =>
        Assert.Equal(expected, await Client.CallFailingAsync("explain_text", new() { ["text"] = "good", ["model"] = "sentiment", ["top"] = top == Math.Floor(top) ? (long)top : top }));

    /// <summary>
    /// A client reads the range from the schema (the SDK writes <c>[Range]</c> as <c>minimum</c> and <c>maximum</c>),
    /// and the refusal gives those bounds, not the argument's whole description.
    /// </summary>
    [Fact]
    public async Task ANumericArgumentsSchemaGivesItsRangeAndTheRefusalNamesIt()
    {
        var explain = (await Client.ListToolsAsync()).Single(t => t.Name == "explain_text");
        var top = explain.JsonSchema.GetProperty("properties").GetProperty("top");

        Assert.Equal(1, top.GetProperty("minimum").GetInt32());
        Assert.Equal(50, top.GetProperty("maximum").GetInt32());
        Assert.Equal("top: 0 is out of range; give 1 to 50", await Client.CallFailingAsync("explain_text", new() { ["text"] = "good", ["model"] = "opinions", ["top"] = 0 }));
    }

    // 1.0 is JSON Schema's integer 1, as a model writing its arguments may send it: it was refused "must be an integer, not a number".
    [Theory]
    [InlineData("1.0")]
    [InlineData("1e0")]
    public async Task AWholeNumberWrittenAsADecimalIsTakenAsThatInteger(string top)
    {
        var answer = await Client.CallAsync("explain_text", new() { ["text"] = "good acting , great plot , good book", ["model"] = "opinions", ["top"] = JsonDocument.Parse(top).RootElement });

        Assert.Single(Words(answer, "words_for"));
    }

    /// <summary>
    /// decimal rounded these to 2 and 0: 2.00000000000000000000000000001 was taken as top 2, 1e-400 refused as "0 is out
    /// of range". Neither is a whole number, and the refusal quotes it as the call wrote it.
    /// </summary>
    [Theory]
    [InlineData("2.00000000000000000000000000001")]
    [InlineData("1e-400")]
    public async Task AFractionDecimalWouldRoundToAWholeNumberIsRefusedAsWritten(string top)
    {
        var refusal = await Client.CallFailingAsync("explain_text", new() { ["text"] = "good", ["model"] = "opinions", ["top"] = JsonDocument.Parse(top).RootElement });

        Assert.Equal($"argument 'top' of explain_text must be a whole number, not {top}", refusal);
    }

    /// <summary>
    /// The schema's maxLength counts characters (code points), but the tool counted UTF-16 units: 26 emoji were refused
    /// as "52 characters" under --max-chars 50.
    /// </summary>
    [Fact]
    public async Task TheCharacterLimitCountsAnEmojiAsOneCharacter()
    {
        // 31 characters, 57 UTF-16 units.
        string emoji = "good " + string.Concat(Enumerable.Repeat("\U0001F600", 26));
        var answer = await Client.CallAsync("classify_text", new() { ["text"] = emoji, ["model"] = "sentiment" });
        Assert.Single(answer.GetProperty("results").EnumerateArray());

        string tooMany = string.Concat(Enumerable.Repeat("\U0001F600", 51));
        Assert.StartsWith("'text' has 51 characters; at most 50 are accepted", await Client.CallFailingAsync("classify_text", new() { ["text"] = tooMany, ["model"] = "sentiment" }));
    }

    /// <summary>
    /// An unknown tool is the client's mistake: JSON-RPC -32602 naming the tools there are, and one information line on
    /// stderr. The SDK logged it as a tool that "threw an unhandled exception", with its stack trace, twice.
    /// </summary>
    [Fact]
    public async Task AnUnknownToolIsInvalidParamsAndOneLogLineWithoutAStackTrace()
    {
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => Client.CallToolAsync("no_such_tool", new Dictionary<string, object?>()).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, refused.ErrorCode);
        // Log lines reach the collected stderr after the answer; the server's own line says the call has been handled.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!StderrLines().Any(l => l.Contains("unknown tool no_such_tool")) && DateTime.UtcNow < deadline) await Task.Delay(50);
        var about = StderrLines().Where(l => l.Contains("no_such_tool")).ToArray();
        Assert.Equal("info: OrtAgent.Mcp.ToolCallParamsCheck[0] A client called the unknown tool no_such_tool", Assert.Single(about));
        Assert.EndsWith("Unknown tool: 'no_such_tool'; the tools are: classify_text, explain_text, list_models", refused.Message);
        Assert.Equal("positive", (await Client.CallAsync("classify_text", new() { ["text"] = "great", ["model"] = "sentiment" })).GetProperty("results")[0].GetProperty("label").GetString());
    }

    private string[] StderrLines()
    {
        lock (server.Stderr) return [.. server.Stderr];
    }

    /// <summary>
    /// explain_text took no steps, though its result calls a gap below 0.05 faithful and /explain and explain take them.
    /// The toy model is exact at any steps, so the result says the steps it took, as /explain's does: without it, a call
    /// that dropped the argument could not be told from one that used it.
    /// </summary>
    [Fact]
    public async Task ExplainTextTakesStepsWithinTheServersCap()
    {
        var answer = await Client.CallAsync("explain_text", new() { ["text"] = "the movie was good but the plot was boring", ["model"] = "opinions", ["steps"] = 2 });

        Assert.Equal(2, answer.GetProperty("steps").GetInt32());
        Assert.Equal(32, (await Client.CallAsync("explain_text", new() { ["text"] = "good", ["model"] = "opinions" })).GetProperty("steps").GetInt32());
        var schema = (await Client.ListToolsAsync()).Single(t => t.Name == "explain_text").ReturnJsonSchema!.Value;
        Assert.Equal("integer", schema.GetProperty("properties").GetProperty("steps").GetProperty("type").GetString());
        // The toy model is linear in the embeddings, so even 2 path points give exact attributions, and no advice.
        Assert.Equal(4.0 / 11, Words(answer, "words_for")[0].Attribution, 5);
        Assert.True(!answer.TryGetProperty("advice", out var advice) || advice.ValueKind == JsonValueKind.Null, answer.ToString());
        Assert.Equal("steps: 257 is out of range; give 1 to 256",
            await Client.CallFailingAsync("explain_text", new() { ["text"] = "good", ["model"] = "opinions", ["steps"] = 257 }));
        Assert.Equal("steps: 0 is out of range; give 1 to 256",
            await Client.CallFailingAsync("explain_text", new() { ["text"] = "good", ["model"] = "opinions", ["steps"] = 0 }));
    }

    [Fact]
    public async Task AnArgumentToAToolThatTakesNoneSaysSo() =>
        Assert.Equal("list_models has no argument 'verbose'; it takes no arguments", await Client.CallFailingAsync("list_models", new() { ["verbose"] = true }));

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task ABadCallIsAToolErrorWithAClearMessageAndTheServerKeepsAnswering(string _, Dictionary<string, object?> arguments, string expected)
    {
        var message = await Client.CallFailingAsync("classify_text", arguments);

        Assert.StartsWith(expected, message);
        var after = await Client.CallAsync("classify_text", new() { ["text"] = "bad", ["model"] = "sentiment" });
        Assert.Equal("negative", after.GetProperty("results")[0].GetProperty("label").GetString());
    }
}
