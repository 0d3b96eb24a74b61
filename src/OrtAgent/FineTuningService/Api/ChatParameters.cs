using System.Text.Json;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// The parameters of OpenAI's chat completions API, each checked as OpenAI's API reference (its OpenAPI spec) has it:
/// one row per parameter, with its <see cref="ChatParameterRule"/> and, where a classifier cannot do what a value
/// asks (stream, call tools, answer in JSON or audio), the refusal of that value. A value that means nothing to a
/// classifier (a temperature, a stop sequence, a service tier) is taken and ignored, but only a value OpenAI takes:
/// <c>"temperature": 5</c> or <c>"service_tier": "bogus"</c> is the client's mistake, refused as OpenAI refuses it.
/// <c>messages</c> and <c>model</c> are read by <see cref="ChatCompletionsEndpoint"/>.
/// </summary>
internal static class ChatParameters
{
    /// <summary>A parameter: its name, what it may hold, and what a classifier refuses of that (given the value and the name; null: nothing).</summary>
    private sealed record Row(string Name, ChatParameterRule Rule, Func<JsonElement, string, string?>? NotForAClassifier = null, string Code = UnsupportedParameter);

    private const string UnsupportedParameter = "unsupported_parameter";

    private const string NoTools = "a classifier does not call tools";

    // OpenAI's spec, checked 2026-12-07 (openai/openai-openapi, CreateChatCompletionRequest and the schemas it names).
    private static readonly Row[] Rows =
    [
        new("audio", ChatParameterRule.AnObject, (_, _) => "audio is not supported: the answer is a label in text"),
        new("frequency_penalty", ChatParameterRule.Number(-2, 2)),
        // "none" asks for no call, which is what a classifier gives; any other choice asks for a call it cannot make.
        new("function_call", ChatParameterRule.OneOfOrObject("none", "auto"), NotNone),
        new("functions", ChatParameterRule.AnArray, NotEmpty),
        new("logit_bias", ChatParameterRule.MapOfIntegers(-100, 100)),
        new("logprobs", ChatParameterRule.TrueOrFalse),
        new("max_completion_tokens", ChatParameterRule.Integer(1, int.MaxValue)),
        new("max_tokens", ChatParameterRule.Integer(1, int.MaxValue)),
        new("metadata", ChatParameterRule.Metadata),
        new("modalities", ChatParameterRule.ArrayOf("text", "audio"),
            (value, _) => value.EnumerateArray().All(m => m.GetString() == "text") ? null : "modalities other than [\"text\"] are not supported: the answer is a label in text"),
        new("moderation", ChatParameterRule.AnObject, (_, _) => "moderation is not supported: this service runs no moderation model"),
        new("n", ChatParameterRule.Integer(1, 128), (value, _) => value.GetDouble() > 1 ? "n above 1 is not supported: a classifier gives one answer" : null),
        new("parallel_tool_calls", ChatParameterRule.TrueOrFalse),
        new("prediction", ChatParameterRule.TypedObject("content")),
        new("presence_penalty", ChatParameterRule.Number(-2, 2)),
        new("prompt_cache_key", ChatParameterRule.Text()),
        new("prompt_cache_options", ChatParameterRule.AnObject),
        new("prompt_cache_retention", ChatParameterRule.OneOf("in_memory", "24h")),
        new("reasoning_effort", ChatParameterRule.OneOf("none", "minimal", "low", "medium", "high", "xhigh", "max")),
        // An answer in another form than a bare label would be answered wrongly rather than refused: the client would
        // fail to parse "positive" as the JSON it asked for.
        new("response_format", ChatParameterRule.TypedObject("text", "json_schema", "json_object"),
            (value, _) => value.GetProperty("type").GetString() is var type and not "text"
                ? $"response_format {type} is not supported: the answer is a bare label (its probabilities come with logprobs)" : null),
        new("safety_identifier", ChatParameterRule.Text(maxLength: 64)),
        new("seed", ChatParameterRule.Integer(long.MinValue, long.MaxValue)),
        new("service_tier", ChatParameterRule.OneOf("auto", "default", "flex", "scale", "priority", "fast")),
        new("stop", ChatParameterRule.TextOrTexts(maxItems: 4)),
        new("store", ChatParameterRule.TrueOrFalse),
        new("stream", ChatParameterRule.TrueOrFalse, (value, _) => value.GetBoolean() ? "stream is not supported: a classification is one short answer" : null),
        // As OpenAI's API refuses it: options for a stream that was not asked for (and a stream asked for is refused above).
        new("stream_options", ChatParameterRule.AnObject, (_, _) => "stream_options is only allowed when stream is true (and a classification is not streamed)", "invalid_value"),
        new("temperature", ChatParameterRule.Number(0, 2)),
        new("tool_choice", ChatParameterRule.OneOfOrObject("none", "auto", "required"), NotNone),
        new("tools", ChatParameterRule.AnArray, NotEmpty),
        new("top_logprobs", ChatParameterRule.Integer(0, 20)),
        new("top_p", ChatParameterRule.Number(0, 1)),
        new("user", ChatParameterRule.Text()),
        new("verbosity", ChatParameterRule.OneOf("low", "medium", "high")),
        new("web_search_options", ChatParameterRule.AnObject),
    ];

    /// <summary>
    /// Every request parameter of OpenAI's chat completions API: a real client's request is never refused for a field
    /// it may send, and anything else is a mistake.
    /// </summary>
    public static readonly string[] Names = ["messages", "model", .. Rows.Select(row => row.Name)];

    /// <summary>
    /// Refuses a request field that is not a parameter, then any parameter whose value breaks its rule, then one whose
    /// value asks for what a classifier cannot do: every value is checked before any is refused as unsupported, as
    /// OpenAI's API checks a request's form before what it asks. A parameter absent or null is not checked.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 naming the parameter, with OpenAI's code for the mistake.</exception>
    public static void Check(JsonElement root)
    {
        JsonFields.RefuseUnknown(root, "", "a chat completion takes OpenAI's parameters", Names);
        foreach (var row in Rows)
            if (JsonFields.Get(root, row.Name) is { } value) row.Rule.Check(value, row.Name);
        foreach (var row in Rows)
            if (JsonFields.Get(root, row.Name) is { } value && row.NotForAClassifier?.Invoke(value, row.Name) is { } refusal)
                throw OpenAIApiException.BadRequest(refusal, row.Name, row.Code);
    }

    private static string? NotNone(JsonElement choice, string name) =>
        choice.ValueKind == JsonValueKind.String && choice.GetString() == "none" ? null : $"{name} is not supported: {NoTools} (only \"none\" is taken)";

    private static string? NotEmpty(JsonElement tools, string name) => tools.GetArrayLength() == 0 ? null : $"{name} is not supported: {NoTools}";
}
