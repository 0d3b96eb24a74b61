#pragma warning disable OPENAI001 // some chat options are experimental in the OpenAI library
using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>POST /v1/chat/completions</c> checks a request as job creation does and as OpenAI's API does: a field that is not
/// one of OpenAI's chat parameters, a token limit below 1 and a body not sent as JSON are refused (all were answered),
/// while every parameter a real client may send is taken. Answered by a toy fine-tuned model, so a request let through
/// is a 200.
/// </summary>
public sealed class ChatCompletionRequestTests : IAsyncLifetime
{
    private const string Text = "the movie was great";

    private readonly TinyTrainingFixture _tiny = new();
    private ServiceUnderTest _service = null!;
    private string _model = "";

    public async Task InitializeAsync()
    {
        _service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel);
        _model = ServedModelsTests.AddFineTunedModel(_service.App.Services.GetRequiredService<FineTuningStore>()).Model;
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        _tiny.Dispose();
    }

    private Dictionary<string, object?> Request() => new()
    {
        ["model"] = _model,
        ["messages"] = new[] { new { role = "user", content = Text } },
    };

    [Theory]
    [InlineData("max_token")]     // max_tokens misspelt: the limit would go unheard
    [InlineData("logprob")]       // logprobs misspelt: the answer would come without them
    [InlineData("messages_")]
    public async Task AFieldThatIsNotAChatParameterIs400NamingIt(string field)
    {
        var request = Request();
        request[field] = 5;

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, field);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal($"unrecognized request argument '{field}'; a chat completion takes OpenAI's parameters: {string.Join(", ", ChatParameters.Names)}",
            error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("max_completion_tokens", 0)]
    [InlineData("max_completion_tokens", -5)]
    [InlineData("max_tokens", 0)]
    [InlineData("n", 0, " from 1 to 128")]      // n of 0 or below was answered 200, with one choice
    [InlineData("n", -3, " from 1 to 128")]
    public async Task ATokenLimitBelowOneIs400(string field, int limit, string range = " at least 1")
    {
        var request = Request();
        request[field] = limit;

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, field);
        Assert.Equal($"{field} is {limit}; it must be{range}", error.GetProperty("message").GetString());
        Assert.Equal("integer_below_min_value", error.GetProperty("code").GetString());
    }

    /// <summary>
    /// A count that is not an integer names the range it may take, which starts at 1 (it said from -2147483648); n's
    /// ends at OpenAI's 128.
    /// </summary>
    [Theory]
    [InlineData("n", 128)]
    [InlineData("max_tokens", int.MaxValue)]
    [InlineData("max_completion_tokens", int.MaxValue)]
    public async Task ACountThatIsNotAnIntegerNamesItsRangeFromOne(string field, int max)
    {
        var request = Request();
        request[field] = 1.5;

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, field);
        Assert.Equal($"{field} must be an integer from 1 to {max}", error.GetProperty("message").GetString());
    }

    /// <summary>
    /// Refusals that carried no code, which OpenAI's Node library surfaces as <c>APIError.code</c> for a client to
    /// branch on, now carry OpenAI's; top_logprobs out of range also named no value ("must be between 0 and 20").
    /// </summary>
    [Theory]
    [InlineData("top_logprobs", "21", "integer_above_max_value", "top_logprobs is 21; it must be from 0 to 20")]
    [InlineData("top_logprobs", "-1", "integer_below_min_value", "top_logprobs is -1; it must be from 0 to 20")]
    // A value not a whole number was told the range of any integer (from -2147483648 to 2147483647).
    [InlineData("top_logprobs", "2.5", "invalid_type", "top_logprobs must be an integer from 0 to 20")]
    [InlineData("messages", "[]", "empty_array", "messages must be a non-empty array")]
    [InlineData("messages", "\"hi\"", "invalid_type", "messages must be a non-empty array")]
    [InlineData("messages", null, "missing_required_parameter", "messages must be a non-empty array")]
    [InlineData("temperature", "\"hot\"", "invalid_type", "temperature must be a number from 0 to 2")]
    // Out of OpenAI's range, it was answered 200.
    [InlineData("temperature", "5", "decimal_above_max_value", "temperature is 5; it must be from 0 to 2")]
    [InlineData("n", "1.5", "invalid_type", "n must be an integer from 1 to 128")]
    [InlineData("logprobs", "\"yes\"", "invalid_type", "logprobs must be true or false")]
    public async Task ARefusedChatCarriesOpenAIsCode(string field, string? json, string code, string message)
    {
        var request = Request();
        request["logprobs"] = true;
        if (json is null) request.Remove(field);
        else request[field] = JsonDocument.Parse(json).RootElement;

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, field);
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AUserMessageOverTheCharacterLimitCarriesOpenAIsCode()
    {
        var request = Request();
        request["messages"] = new[] { new { role = "user", content = new string('a', 20_001) } };

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, "messages");
        Assert.Equal("string_above_max_length", error.GetProperty("code").GetString());
    }

    /// <summary>A role OpenAI does not have was read as "no user message"; the message names it and where it is.</summary>
    [Fact]
    public async Task AMessageWithAnUnknownRoleIs400NamingTheRoleAndTheMessage()
    {
        var request = Request();
        request["messages"] = new[] { new { role = "system", content = "classify" }, new { role = "wizard", content = Text } };

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, "messages");
        Assert.Equal("messages[1].role is 'wizard', not a chat role; OpenAI's roles are system, developer, user, assistant, tool, function",
            error.GetProperty("message").GetString());
    }

    /// <summary>An empty model was looked up, a 404 "The model '' does not exist"; it is no model, as an absent one is.</summary>
    [Fact]
    public async Task AnEmptyModelIs400AsAnAbsentOneIs()
    {
        var request = Request();
        request["model"] = "";

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, "model");
        Assert.Equal("model is required", error.GetProperty("message").GetString());
    }

    /// <summary>
    /// A tool choice of "none" asks for no tool call, which is a classifier's answer: it was refused as though it asked
    /// for one. Any other choice, and tools given, are still refused.
    /// </summary>
    [Theory]
    [InlineData("tool_choice", "tools")]
    [InlineData("function_call", "functions")]
    public async Task AToolChoiceOfNoneIsTakenAndAnyOtherIsRefused(string field, string tools)
    {
        foreach (bool withTools in new[] { false, true })
        {
            var request = Request();
            request[field] = "none";
            if (withTools) request[tools] = Array.Empty<object>();
            using var response = await _service.Http.PostAsJsonAsync("/v1/chat/completions", request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // "required" is a tool choice; function_call, older, has only "none" and "auto" (OpenAI's spec).
        object[] choices = field == "tool_choice" ? ["auto", "required", new { type = "function", function = new { name = "f" } }] : ["auto", new { name = "f" }];
        foreach (object choice in choices)
        {
            var request = Request();
            request[field] = choice;
            var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, field);
            Assert.Equal($"{field} is not supported: a classifier does not call tools (only \"none\" is taken)", error.GetProperty("message").GetString());
        }
        var withATool = Request();
        withATool[field] = "none";
        withATool[tools] = new[] { new { type = "function", function = new { name = "f" } } };
        await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", withATool), HttpStatusCode.BadRequest, tools);
    }

    /// <summary>Options for a stream nobody asked for were ignored; OpenAI's API refuses them, naming the field.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    public async Task StreamOptionsWithoutAStreamAre400(bool? stream)
    {
        var request = Request();
        request["stream_options"] = new { include_usage = true };
        if (stream is not null) request["stream"] = stream;

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, "stream_options");
        Assert.Equal("stream_options is only allowed when stream is true (and a classification is not streamed)", error.GetProperty("message").GetString());
    }

    /// <summary>
    /// A message field outside OpenAI's documented ones is taken: OpenAI's own answers carry some (an assistant message's
    /// <c>annotations</c>), clients and frameworks add others (<c>id</c>), and a conversation replayed from elsewhere must
    /// not be refused for them; only the last user message's content is read.
    /// </summary>
    [Theory]
    [InlineData(0, "annotations")]
    [InlineData(1, "id")]
    public async Task AMessageFieldOutsideOpenAIsDocumentedOnesIsTaken(int index, string field)
    {
        var messages = new[] { new Dictionary<string, object> { ["role"] = "assistant", ["content"] = "negative" }, new Dictionary<string, object> { ["role"] = "user", ["content"] = Text } };
        messages[index][field] = Array.Empty<object>();
        var request = Request();
        request["messages"] = messages;

        using var response = await _service.Http.PostAsJsonAsync("/v1/chat/completions", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("positive", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    /// <summary>
    /// An answer asked for in another form than a bare label (JSON, audio) was answered with the bare label, which a
    /// client expecting JSON fails to parse without a hint why: refused, as streaming and tools are.
    /// </summary>
    [Theory]
    [InlineData("response_format", """{"type": "json_object"}""", "response_format json_object is not supported: the answer is a bare label (its probabilities come with logprobs)")]
    [InlineData("response_format", """{"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}""", "response_format json_schema is not supported: the answer is a bare label (its probabilities come with logprobs)")]
    [InlineData("modalities", """["text", "audio"]""", "modalities other than [\"text\"] are not supported: the answer is a label in text")]
    [InlineData("audio", """{"voice": "alloy", "format": "wav"}""", "audio is not supported: the answer is a label in text")]
    public async Task AnAnswerInAnotherFormThanALabelIs400(string field, string value, string message)
    {
        var request = Request();
        request[field] = JsonDocument.Parse(value).RootElement;

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, field);
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal("unsupported_parameter", error.GetProperty("code").GetString());
    }

    /// <summary>
    /// A user message the model's tokenizer makes no token of is refused as a blank one is, before the batcher: there the
    /// classifier's own refusal would fail every request coalesced with it.
    /// </summary>
    [Fact]
    public async Task AUserMessageOfOnlyAZeroWidthSpaceIs400()
    {
        var request = Request();
        request["messages"] = new[] { new { role = "user", content = "\u200b" } };

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsJsonAsync("/v1/chat/completions", request), HttpStatusCode.BadRequest, "messages");
        Assert.Equal("the last user message has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)",
            error.GetProperty("message").GetString());
    }

    /// <summary>A gzip body was parsed as it came and refused as "'0x1F' cannot start a JSON value".</summary>
    [Fact]
    public async Task ACompressedBodyIs400NamingItsContentEncoding()
    {
        using var body = new ByteArrayContent([0x1F, 0x8B, 0x08, 0x00]);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        body.Headers.ContentEncoding.Add("gzip");

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync("/v1/chat/completions", body), HttpStatusCode.BadRequest);
        Assert.Equal("/v1/chat/completions takes an uncompressed body; this one is sent with Content-Encoding 'gzip', which the server does not decode: send the body without it",
            error.GetProperty("message").GetString());
        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
    }

    /// <summary>
    /// A body declared in another charset than UTF-8 was read as UTF-8 all the same, by chat and by job creation alike.
    /// It is refused as a wrong Content-Type is under <c>/v1</c> (400), with the same code, naming the charset.
    /// </summary>
    [Fact]
    public async Task ABodyDeclaredInAnotherCharsetThanUtf8Is400NamingItOnBothRoutes()
    {
        foreach (var route in new[] { "/v1/chat/completions", "/v1/fine_tuning/jobs" })
        {
            using var latin1 = new ByteArrayContent(Encoding.Latin1.GetBytes(JsonSerializer.Serialize(Request())));
            latin1.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=ISO-8859-1");

            var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync(route, latin1), HttpStatusCode.BadRequest);
            Assert.Equal($"{route} takes a JSON body encoded as UTF-8; this one is declared as charset 'ISO-8859-1', which the server does not decode: "
                + "send it as UTF-8, with charset=utf-8 or no charset", error.GetProperty("message").GetString());
            Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
        }
    }

    /// <summary>A JSON body sent as another type was read all the same, by chat and by job creation alike.</summary>
    [Fact]
    public async Task AJsonBodyNotSentAsJsonIs400OnBothRoutes()
    {
        (string Route, string Body)[] requests =
        [
            ("/v1/chat/completions", JsonSerializer.Serialize(Request())),
            ("/v1/fine_tuning/jobs", """{"model": "tiny", "training_file": "file-missing"}"""),   // read, it was a 400 about the file
        ];
        foreach (var (route, body) in requests)
        {
            using var text = new StringContent(body, Encoding.UTF8, "text/plain");
            var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync(route, text), HttpStatusCode.BadRequest);
            Assert.Equal($"{route} takes a JSON body sent as Content-Type: application/json; this one is of type 'text/plain; charset=utf-8'", error.GetProperty("message").GetString());
            Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());

            using var untyped = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync(route, untyped), HttpStatusCode.BadRequest);
            Assert.Equal($"{route} takes a JSON body sent as Content-Type: application/json; this one is sent without a Content-Type", error.GetProperty("message").GetString());
        }
    }

    /// <summary>Every chat parameter of OpenAI's API is taken, with a value a client may send, and ignored where it means nothing to a classifier.</summary>
    [Fact]
    public async Task EveryOpenAIChatParameterIsTaken()
    {
        var request = Request();
        var values = new Dictionary<string, object?>
        {
            ["audio"] = null, ["frequency_penalty"] = 0.5, ["function_call"] = null, ["functions"] = Array.Empty<object>(),
            ["logit_bias"] = new Dictionary<string, int> { ["50256"] = -100 }, ["logprobs"] = true, ["max_completion_tokens"] = 5, ["max_tokens"] = 5,
            ["metadata"] = new { purpose = "test" }, ["modalities"] = new[] { "text" }, ["n"] = 1, ["parallel_tool_calls"] = false,
            ["prediction"] = new { type = "content", content = "positive" }, ["presence_penalty"] = 0, ["prompt_cache_key"] = "k",
            ["prompt_cache_retention"] = "24h", ["reasoning_effort"] = "low", ["response_format"] = new { type = "text" }, ["safety_identifier"] = "s",
            ["seed"] = 7, ["service_tier"] = "auto", ["stop"] = new[] { "\n" }, ["store"] = false, ["stream"] = false, ["stream_options"] = null,
            ["temperature"] = 0, ["tool_choice"] = null, ["tools"] = Array.Empty<object>(), ["top_logprobs"] = 2, ["top_p"] = 1, ["user"] = "u",
            ["verbosity"] = "low", ["web_search_options"] = new { }, ["moderation"] = null, ["prompt_cache_options"] = new { ttl = "30m" },
        };
        Assert.Equal(ChatParameters.Names.Except(["model", "messages"]).Order(), values.Keys.Order());
        foreach (var (name, value) in values) request[name] = value;

        using var response = await _service.Http.PostAsJsonAsync("/v1/chat/completions", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var choice = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0];
        Assert.Equal("positive", choice.GetProperty("message").GetProperty("content").GetString());
    }

    /// <summary>
    /// A content part names its type, as OpenAI's API requires: <c>{"text": "hi"}</c> alone was classified; and a text
    /// part without its text is told as that, where it was "only text content parts … can be classified".
    /// A part whose type is null was taken as text too; and the refusal's param named only <c>messages</c>, where a
    /// field given twice is named with its path: it is the part's field, <c>messages[1].content[0].type</c>.
    /// </summary>
    [Theory]
    [InlineData("""[{"type": "text", "text": "fine"}, {"text": "hi"}]""", "messages[1].content[1].type", "messages[1].content[1].type is missing; a text part is {\"type\": \"text\", \"text\": ...}")]
    [InlineData("""[{"type": null, "text": "hi"}]""", "messages[1].content[0].type", "messages[1].content[0].type is null; a text part is {\"type\": \"text\", \"text\": ...}")]
    [InlineData("""[{"type": "text"}]""", "messages[1].content[0].text", "messages[1].content[0] is a text part without a string 'text'")]
    [InlineData("""[{"type": 5, "text": "hi"}]""", "messages[1].content[0].type", "messages[1].content[0].type is not a string; a text part is {\"type\": \"text\", \"text\": ...}")]
    [InlineData("""[{"type": "text", "text": 5}]""", "messages[1].content[0].text", "messages[1].content[0] is a text part without a string 'text'")]
    public async Task AContentPartWithoutItsTypeOrTextIs400NamingIt(string content, string param, string message)
    {
        string body = $$"""{"model": "{{_model}}", "messages": [{"role": "system", "content": "classify"}, {"role": "user", "content": {{content}}}]}""";
        using var json = new StringContent(body, Encoding.UTF8, "application/json");

        var error = await FineTuningErrorTests.AssertErrorAsync(await _service.Http.PostAsync("/v1/chat/completions", json), HttpStatusCode.BadRequest, param);
        Assert.Equal(message, error.GetProperty("message").GetString());
    }

    /// <summary>
    /// The completion is the label as one token of the classifier's vocabulary: a label of 5 WordPiece tokens under a
    /// max_completion_tokens (or max_tokens) of 1 was answered whole with finish_reason "stop", usage counting 5 tokens
    /// above the limit and logprobs holding 1. Now usage counts 1, as logprobs does, within any limit.
    /// </summary>
    [Theory]
    [InlineData("max_completion_tokens")]
    [InlineData("max_tokens")]
    public async Task ALongLabelIsOneCompletionTokenWithinATokenLimitOf1AsItsLogprobsAre(string limit)
    {
        var labels = new ToyModelSpec(["extremely_unhappy_customer", "happy_customer"],
            new Dictionary<string, float[]> { ["awful"] = [6, 0], ["great"] = [0, 6] });
        string model = ServedModelsTests.AddFineTunedModel(_service.App.Services.GetRequiredService<FineTuningStore>(), "long-labels", labels).Model;
        var request = new Dictionary<string, object?>
        {
            ["model"] = model, ["messages"] = new[] { new { role = "user", content = "the movie was awful" } },
            [limit] = 1, ["logprobs"] = true, ["top_logprobs"] = 2,
        };

        using var response = await _service.Http.PostAsJsonAsync("/v1/chat/completions", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var choice = answer.GetProperty("choices")[0];
        Assert.Equal("extremely_unhappy_customer", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var token = Assert.Single(choice.GetProperty("logprobs").GetProperty("content").EnumerateArray());
        Assert.Equal("extremely_unhappy_customer", token.GetProperty("token").GetString());
        Assert.Equal(2, token.GetProperty("top_logprobs").GetArrayLength());
        var usage = answer.GetProperty("usage");
        Assert.Equal(1, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 1, usage.GetProperty("total_tokens").GetInt32());
    }

    /// <summary>
    /// The official client with every chat option it offers set, tool choices of "none" among them, and a conversation
    /// with every kind of message it writes: none is refused. <c>usage</c> counts the label as one token, where [CLS] and
    /// [SEP] made it 3; the prompt is what the model read, [CLS], the last user message's 4 words and [SEP].
    /// </summary>
    [Fact]
    public async Task TheOpenAIClientWithEveryOptionSetIsAnsweredAndUsageCountsTheLabelAsOneToken()
    {
        var options = new ChatCompletionOptions
        {
            IncludeLogProbabilities = true, TopLogProbabilityCount = 2, MaxOutputTokenCount = 16, Temperature = 0, TopP = 1,
            FrequencyPenalty = 0, PresencePenalty = 0, Seed = 7, EndUserId = "user-1", SafetyIdentifier = "safe-1", StoredOutputEnabled = false,
            ResponseFormat = ChatResponseFormat.CreateTextFormat(), AllowParallelToolCalls = false, ServiceTier = ChatServiceTier.Auto,
            ReasoningEffortLevel = ChatReasoningEffortLevel.Low, OutputPrediction = ChatOutputPrediction.CreateStaticContentPrediction("positive"),
            WebSearchOptions = new ChatWebSearchOptions(), ToolChoice = ChatToolChoice.CreateNoneChoice(),
#pragma warning disable CS0618 // functions are deprecated, and a client may still send them
            FunctionChoice = ChatFunctionChoice.CreateNoneChoice(),
#pragma warning restore CS0618
        };
        options.Metadata["purpose"] = "test";
        options.StopSequences.Add("\n");
        options.LogitBiases[50256] = -100;
        var chat = _service.OpenAI.GetChatClient(_model);
        ChatCompletion earlier = await chat.CompleteChatAsync([new UserChatMessage("an earlier text")]);
        ChatMessage[] conversation =
        [
            new DeveloperChatMessage("Classify the sentiment.") { ParticipantName = "developer-1" },
            new SystemChatMessage("Answer with one label.") { ParticipantName = "system-1" },
            new UserChatMessage("an earlier text") { ParticipantName = "user-1" },
            new AssistantChatMessage(earlier),   // a previous answer sent back, as a conversation goes on
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call-1", "lookup", BinaryData.FromString("{}"))]) { ParticipantName = "assistant-1" },
            new ToolChatMessage("call-1", "looked up"),
            new AssistantChatMessage([ChatMessageContentPart.CreateRefusalPart("I cannot.")]) { Refusal = "I cannot." },
            new AssistantChatMessage(new ChatOutputAudioReference("audio-1")),
#pragma warning disable CS0618 // as are function messages
            new AssistantChatMessage(new ChatFunctionCall("lookup", BinaryData.FromString("{}"))),
            new FunctionChatMessage("lookup", "looked up"),
#pragma warning restore CS0618
            new UserChatMessage(Text),
        ];

        ChatCompletion completion = await chat.CompleteChatAsync(conversation, options);

        Assert.Equal("positive", completion.Content[0].Text);
        Assert.Equal(2, Assert.Single(completion.ContentTokenLogProbabilities).TopLogProbabilities.Count);
        Assert.Equal(1, completion.Usage.OutputTokenCount);
        Assert.Equal(6, completion.Usage.InputTokenCount);
        Assert.Equal(7, completion.Usage.TotalTokenCount);
    }
}
