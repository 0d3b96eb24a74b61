using System.Text.Json;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The chat parameters are checked as OpenAI's API reference has them, with OpenAI's codes: a value out of its range
/// (<c>"temperature": 5</c>, <c>"top_p": 5</c>, <c>"presence_penalty": 10</c>) and one of the wrong type
/// (<c>"stop": 5</c>, <c>"user": 5</c>, <c>"store": "yes"</c>, …) or outside its values (<c>"service_tier": "bogus"</c>)
/// were answered 200, where only some wrong types were refused; values OpenAI takes are still taken.
/// </summary>
public sealed class ChatParametersTests
{
    private static OpenAIApiException Refusal(string fields)
    {
        using var body = JsonDocument.Parse($$"""{"model": "m", "messages": [{"role": "user", "content": "hi"}], {{fields}}}""");
        return Assert.Throws<OpenAIApiException>(() => ChatParameters.Check(body.RootElement));
    }

    [Theory]
    [InlineData("\"temperature\": 5", "temperature", "decimal_above_max_value", "temperature is 5; it must be from 0 to 2")]
    [InlineData("\"temperature\": -0.5", "temperature", "decimal_below_min_value", "temperature is -0.5; it must be from 0 to 2")]
    [InlineData("\"temperature\": -1e400", "temperature", "decimal_below_min_value", "temperature is -1e400; it must be from 0 to 2")]
    [InlineData("\"top_logprobs\": 1e400", "top_logprobs", "integer_above_max_value", "top_logprobs is 1e400; it must be from 0 to 20")]
    [InlineData("\"top_p\": 5", "top_p", "decimal_above_max_value", "top_p is 5; it must be from 0 to 1")]
    [InlineData("\"presence_penalty\": 10", "presence_penalty", "decimal_above_max_value", "presence_penalty is 10; it must be from -2 to 2")]
    [InlineData("\"frequency_penalty\": -3", "frequency_penalty", "decimal_below_min_value", "frequency_penalty is -3; it must be from -2 to 2")]
    [InlineData("\"frequency_penalty\": \"x\"", "frequency_penalty", "invalid_type", "frequency_penalty must be a number from -2 to 2")]
    [InlineData("\"logit_bias\": {\"50256\": 200}", "logit_bias", "integer_above_max_value", "logit_bias['50256'] is 200; it must be from -100 to 100")]
    [InlineData("\"logit_bias\": {\"50256\": 0.5}", "logit_bias", "invalid_type", "logit_bias['50256'] must be an integer from -100 to 100")]
    [InlineData("\"logit_bias\": \"x\"", "logit_bias", "invalid_type", "logit_bias must be an object")]
    [InlineData("\"n\": 200", "n", "integer_above_max_value", "n is 200; it must be from 1 to 128")]
    // A double rounds these to 0 and 2, and they were taken as such: whole numbers are judged as written, as serve's and the MCP tools' are.
    [InlineData("\"top_logprobs\": 1e-400, \"logprobs\": true", "top_logprobs", "invalid_type", "top_logprobs must be an integer from 0 to 20")]
    [InlineData("\"n\": 2.00000000000000000000000000001", "n", "invalid_type", "n must be an integer from 1 to 128")]
    [InlineData("\"seed\": \"x\"", "seed", "invalid_type", "seed must be an integer")]
    [InlineData("\"seed\": 1e30", "seed", "integer_above_max_value", "seed is 1e30; it must be a 64-bit integer")]
    [InlineData("\"stop\": 5", "stop", "invalid_type", "stop must be a string or an array of 1 to 4 strings")]
    [InlineData("\"stop\": [\"a\", 1]", "stop", "invalid_type", "stop must be a string or an array of 1 to 4 strings")]
    [InlineData("\"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]", "stop", "array_above_max_length", "stop has 5 items; it must be a string or an array of 1 to 4 strings")]
    [InlineData("\"stop\": []", "stop", "array_below_min_length", "stop is an empty array; it must be a string or an array of 1 to 4 strings, or be left out")]
    [InlineData("\"user\": 5", "user", "invalid_type", "user must be a string")]
    [InlineData("\"prompt_cache_key\": 5", "prompt_cache_key", "invalid_type", "prompt_cache_key must be a string")]
    [InlineData("\"store\": \"yes\"", "store", "invalid_type", "store must be true or false")]
    [InlineData("\"parallel_tool_calls\": \"x\"", "parallel_tool_calls", "invalid_type", "parallel_tool_calls must be true or false")]
    [InlineData("\"metadata\": {\"a\": 5}", "metadata", "invalid_type", "metadata.a must be a string")]
    [InlineData("\"service_tier\": \"bogus\"", "service_tier", "invalid_value", "service_tier is 'bogus'; it must be one of auto, default, flex, scale, priority, fast")]
    [InlineData("\"reasoning_effort\": \"extreme\"", "reasoning_effort", "invalid_value", "reasoning_effort is 'extreme'; it must be one of none, minimal, low, medium, high, xhigh, max")]
    [InlineData("\"reasoning_effort\": 3", "reasoning_effort", "invalid_type", "reasoning_effort must be one of none, minimal, low, medium, high, xhigh, max")]
    [InlineData("\"verbosity\": \"loud\"", "verbosity", "invalid_value", "verbosity is 'loud'; it must be one of low, medium, high")]
    [InlineData("\"prompt_cache_retention\": \"forever\"", "prompt_cache_retention", "invalid_value", "prompt_cache_retention is 'forever'; it must be one of in_memory, 24h")]
    [InlineData("\"modalities\": [\"video\"]", "modalities", "invalid_value", "modalities[0] is 'video'; it must be one of text, audio")]
    [InlineData("\"response_format\": {\"type\": \"xml\"}", "response_format.type", "invalid_value", "response_format.type is 'xml'; it must be one of text, json_schema, json_object")]
    [InlineData("\"response_format\": {}", "response_format.type", "missing_required_parameter", "response_format.type is required: one of text, json_schema, json_object")]
    [InlineData("\"tool_choice\": 5", "tool_choice", "invalid_type", "tool_choice must be one of none, auto, required, or an object")]
    [InlineData("\"web_search_options\": \"x\"", "web_search_options", "invalid_type", "web_search_options must be an object")]
    [InlineData("\"moderation\": {\"model\": \"omni-moderation-latest\"}", "moderation", "unsupported_parameter", "moderation is not supported: this service runs no moderation model")]
    public void AValueOpenAIRefusesIs400WithItsCode(string fields, string param, string code, string message)
    {
        var error = Refusal(fields);

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(param, error.Param);
        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void MetadataIsHeldToOpenAIsLimitsAsAJobsIs()
    {
        string pairs = string.Join(", ", Enumerable.Range(0, 17).Select(i => $"\"k{i}\": \"v\""));
        Assert.Equal("object_above_max_properties", Refusal($"\"metadata\": {{{pairs}}}").Code);
        Assert.Equal("string_above_max_length", Refusal($"\"metadata\": {{\"{new string('k', 65)}\": \"v\"}}").Code);
        Assert.Equal("string_above_max_length", Refusal($"\"safety_identifier\": \"{new string('s', 65)}\"").Code);
    }

    /// <summary>
    /// The limits count characters, as <c>--max-chars</c> does: 512 emoji (1024 UTF-16 units) were refused as a metadata
    /// value of "1024 characters", 64 as a safety_identifier of 128. One past each limit is refused with its count.
    /// </summary>
    [Fact]
    public void MetadataAndSafetyIdentifierLimitsCountAnEmojiAsOneCharacter()
    {
        static string Emoji(int count) => string.Concat(Enumerable.Repeat("😀", count));
        using (var body = JsonDocument.Parse($$"""{"model": "m", "messages": [{"role": "user", "content": "hi"}], "metadata": {"{{Emoji(64)}}": "{{Emoji(512)}}"}, "safety_identifier": "{{Emoji(64)}}"}"""))
            ChatParameters.Check(body.RootElement);

        Assert.Equal("metadata.k has 513 characters; values have at most 512", Refusal($"\"metadata\": {{\"k\": \"{Emoji(513)}\"}}").Message);
        Assert.EndsWith("has 65 characters; keys have at most 64", Refusal($"\"metadata\": {{\"{Emoji(65)}\": \"v\"}}").Message);
        Assert.Equal("safety_identifier has 65 characters; it must have at most 64", Refusal($"\"safety_identifier\": \"{Emoji(65)}\"").Message);
    }

    /// <summary>Every value is checked before one is refused as unsupported: a wrong temperature beside a stream is named.</summary>
    [Fact]
    public void AWrongValueIsNamedBeforeAnUnsupportedOne()
    {
        var error = Refusal("\"stream\": true, \"temperature\": \"hot\"");

        Assert.Equal(("temperature", "invalid_type"), (error.Param, error.Code));
    }

    /// <summary>
    /// Values OpenAI takes, at the edges of their ranges, are taken: a 64-bit seed (an int's range refused 2^40), a
    /// whole number written 2.0, four stop sequences, 16 metadata pairs.
    /// </summary>
    [Theory]
    [InlineData("\"seed\": 1099511627776")]
    [InlineData("\"seed\": -5")]
    [InlineData("\"top_logprobs\": 2.0, \"logprobs\": true")]
    [InlineData("\"temperature\": 2, \"top_p\": 0, \"presence_penalty\": -2, \"frequency_penalty\": 2")]
    [InlineData("\"logit_bias\": {\"50256\": -100, \"1\": 100}")]
    [InlineData("\"stop\": \"\\n\"")]
    [InlineData("\"stop\": [\"a\", \"b\", \"c\", \"d\"]")]
    [InlineData("\"metadata\": {\"k0\": \"v\", \"k1\": \"v\", \"k2\": \"v\", \"k3\": \"v\", \"k4\": \"v\", \"k5\": \"v\", \"k6\": \"v\", \"k7\": \"v\", \"k8\": \"v\", \"k9\": \"v\", \"k10\": \"v\", \"k11\": \"v\", \"k12\": \"v\", \"k13\": \"v\", \"k14\": \"v\", \"k15\": \"v\"}")]
    [InlineData("\"service_tier\": \"flex\", \"reasoning_effort\": \"minimal\", \"verbosity\": \"high\", \"prompt_cache_retention\": \"in_memory\"")]
    [InlineData("\"tool_choice\": \"none\", \"function_call\": \"none\", \"tools\": [], \"functions\": []")]
    [InlineData("\"user\": null, \"temperature\": null, \"stop\": null, \"moderation\": null")]
    public void AValueOpenAITakesIsTaken(string fields)
    {
        using var body = JsonDocument.Parse($$"""{"model": "m", "messages": [{"role": "user", "content": "hi"}], {{fields}}}""");

        ChatParameters.Check(body.RootElement);
    }
}
