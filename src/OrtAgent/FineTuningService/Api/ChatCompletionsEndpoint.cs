using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrtAgent.Data;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// <c>POST /v1/chat/completions</c> with a fine-tuned model: classifies the last user message. The assistant's content
/// is the label; <c>logprobs</c> gives the label's log-probability with the other labels as <c>top_logprobs</c>; usage
/// counts with the model's tokenizer what the model read (prompt: [CLS], the text's tokens up to the model's maximum
/// length, [SEP]) and the label's own tokens (completion). What a classifier cannot
/// do — streaming, several choices, tools — is refused with a 400 rather than answered wrongly; a tool choice of
/// <c>"none"</c>, which asks for no call, is taken. The message is classified in the model's batch, with the
/// <c>/predict</c> requests and other chats for that model that came meanwhile (<see cref="ModelBatchers"/>).
/// </summary>
internal sealed class ChatCompletionsEndpoint(ServedModels models, ModelBatchers batchers, FineTuningServiceOptions options)
{
    private const int MaxTopLogprobs = 20;

    // A message of another role is not read (only the last user message is classified), but an unknown role is the
    // client's mistake: {"role": "wizard"} was answered "messages hold no user message".
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    /// <summary>
    /// Every request parameter of OpenAI's chat completions API (its reference, and what the OpenAI .NET library 2.15.0
    /// writes): a real client's request is never refused for a field it may send, and anything else is a mistake.
    /// </summary>
    internal static readonly string[] Parameters =
    [
        "messages", "model", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
        "max_completion_tokens", "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction",
        "presence_penalty", "prompt_cache_key", "prompt_cache_retention", "reasoning_effort", "response_format",
        "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options", "temperature",
        "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
    ];

    public void Map(IEndpointRouteBuilder routes) => routes.MapPost("/v1/chat/completions", OpenAIErrorEnvelope.Handle(CompleteAsync)).AllowInferenceKeys();

    private async Task CompleteAsync(HttpContext context)
    {
        using var body = await OpenAIErrorEnvelope.ReadJsonObjectAsync(context.Request);
        var root = body.RootElement;
        JsonFields.RefuseUnknown(root, "", "a chat completion takes OpenAI's parameters", Parameters);
        // "" is no model, as an absent one is: it was looked up, and a 404 "The model '' does not exist".
        string model = JsonFields.String(root, "model") is { Length: > 0 } named ? named : throw OpenAIApiException.BadRequest("model is required", "model", OpenAIApiException.MissingRequiredParameter);
        if (JsonFields.Bool(root, "stream")) throw OpenAIApiException.BadRequest("stream is not supported: a classification is one short answer", "stream", "unsupported_parameter");
        // As OpenAI's API refuses it: options for a stream that was not asked for.
        if (JsonFields.Get(root, "stream_options") is not null)
            throw OpenAIApiException.BadRequest("stream_options is only allowed when stream is true (and a classification is not streamed)", "stream_options");
        if (JsonFields.Int(root, "n", min: 1) is > 1) throw OpenAIApiException.BadRequest("n above 1 is not supported: a classifier gives one answer", "n", "unsupported_parameter");
        foreach (var field in new[] { "tools", "functions" })
            if (JsonFields.Get(root, field) is { } value && !(value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0))
                throw OpenAIApiException.BadRequest($"{field} is not supported: a classifier does not call tools", field, "unsupported_parameter");
        // "none" asks for no tool call, which is what a classifier gives; any other choice asks for a call it cannot make.
        foreach (var field in new[] { "tool_choice", "function_call" })
            if (JsonFields.Get(root, field) is { } value && !(value.ValueKind == JsonValueKind.String && value.GetString() == "none"))
                throw OpenAIApiException.BadRequest($"{field} is not supported: a classifier does not call tools (only \"none\" is taken)", field, "unsupported_parameter");
        // An answer in another form than a bare label (JSON, audio) would be answered wrongly rather than refused: the
        // client would fail to parse "positive" as the JSON it asked for.
        if (JsonFields.Object(root, "response_format") is { } format && JsonFields.String(format, "type", "response_format.type") is { } formatType && formatType != "text")
            throw OpenAIApiException.BadRequest($"response_format {formatType} is not supported: the answer is a bare label (its probabilities come with logprobs)", "response_format", "unsupported_parameter");
        if (JsonFields.Get(root, "modalities") is { } modalities
            && (modalities.ValueKind != JsonValueKind.Array || modalities.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.String || m.GetString() != "text")))
            throw OpenAIApiException.BadRequest("modalities other than [\"text\"] are not supported: the answer is a label in text", "modalities", "unsupported_parameter");
        if (JsonFields.Get(root, "audio") is not null)
            throw OpenAIApiException.BadRequest("audio is not supported: the answer is a label in text", "audio", "unsupported_parameter");
        // Sampling settings mean nothing to a classifier and are ignored, but one of the wrong type is the client's
        // mistake, refused as OpenAI's API refuses it.
        foreach (var field in new[] { "temperature", "top_p", "presence_penalty", "frequency_penalty" })
            if (JsonFields.Get(root, field) is { } value && value.ValueKind != JsonValueKind.Number)
                throw OpenAIApiException.BadRequest($"{field} must be a number", field, JsonFields.InvalidType);
        _ = JsonFields.Int(root, "seed");
        // The answer is the label, however long, but a limit OpenAI's API refuses is refused here too.
        foreach (var field in new[] { "max_tokens", "max_completion_tokens" }) _ = JsonFields.Int(root, field, min: 1);
        bool logprobs = JsonFields.Bool(root, "logprobs");
        int topLogprobs = JsonFields.Int(root, "top_logprobs", min: 0, max: MaxTopLogprobs) ?? 0;
        if (topLogprobs > 0 && !logprobs) throw OpenAIApiException.BadRequest("top_logprobs needs logprobs set to true", "top_logprobs", "invalid_value");
        string text = LastUserMessage(root);
        if (CharacterLimit.Excess(text, options.Serving.MaxCharsPerInput) is int characters and > 0)
            throw OpenAIApiException.BadRequest($"the user message has {characters} characters; at most {options.Serving.MaxCharsPerInput} are accepted", "messages", "string_above_max_length");

        var loaded = await models.AcquireAsync(model, cancellationToken: context.RequestAborted);
        // The reference is held while the text waits in the model's batcher, so a delete or an eviction meanwhile frees
        // the model only after this chat's batch has run on it.
        try
        {
            // Asked of the model's tokenizer before the batcher, where the classifier's own refusal would fail every
            // request coalesced with this one.
            if (loaded.Served.NothingToClassify(text) is { } held)
                throw OpenAIApiException.BadRequest($"the last user message has nothing to classify: {held}", "messages", "invalid_value");
            var prediction = (await batchers.PredictAsync(loaded, [text], context.RequestAborted))[0];
            int promptTokens = loaded.Encoder.Encode(text).Length;
            // The label alone: Encode would count the [CLS] and [SEP] around it, 3 for a one-word label.
            int completionTokens = loaded.Encoder.CountTokens(prediction.Label);
            ChatCompletionObject.LogprobsObject? logprobsObject = null;
            if (logprobs)
            {
                var mostProbable = topLogprobs == 0 ? [] : prediction.Top(Math.Min(topLogprobs, prediction.Probabilities.Count));
                var top = mostProbable.Select(p => new ChatCompletionObject.TopLogprob(p.Key, LogOf(p.Value), Bytes(p.Key))).ToList();
                logprobsObject = new([new ChatCompletionObject.TokenLogprob(prediction.Label, LogOf(prediction.Probabilities[prediction.Label]), Bytes(prediction.Label), top)]);
            }
            var answer = new ChatCompletionObject(FineTuningStore.NewId("chatcmpl-"), FineTuningStore.Now(), model,
                [new ChatCompletionObject.Choice(0, new ChatCompletionObject.Message(prediction.Label), logprobsObject)],
                new ChatCompletionObject.UsageObject(promptTokens, completionTokens, promptTokens + completionTokens));
            await context.Response.WriteAsJsonAsync(answer, OpenAIJson.Options);
        }
        finally
        {
            loaded.Served.Release();
        }
    }

    /// <summary>The text to classify: the content of the last user message.</summary>
    private static string LastUserMessage(JsonElement root)
    {
        if (JsonFields.Get(root, "messages") is not { ValueKind: JsonValueKind.Array } messages || messages.GetArrayLength() == 0)
            throw OpenAIApiException.BadRequest("messages must be a non-empty array", "messages", JsonFields.Get(root, "messages") switch
            {
                null => OpenAIApiException.MissingRequiredParameter,
                { ValueKind: JsonValueKind.Array } => "empty_array",
                _ => JsonFields.InvalidType,
            });
        string? text = null;
        int index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            string where = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object || JsonFields.String(message, "role", $"{where}.role") is not { } role)
                throw OpenAIApiException.BadRequest($"{where} must be an object with a string 'role'", "messages",
                    message.ValueKind == JsonValueKind.Object ? OpenAIApiException.MissingRequiredParameter : JsonFields.InvalidType);
            if (!Roles.Contains(role))
                throw OpenAIApiException.BadRequest($"{where}.role is {PrintableText.Quote(role)}, not a chat role; OpenAI's roles are {string.Join(", ", Roles)}", "messages", "invalid_value");
            if (role != "user") continue;
            try
            {
                text = ChatExample.Content(message, where);
            }
            catch (UserInputException ex)
            {
                // Content of the wrong kind (a number) is OpenAI's invalid_type; a part that is not text (an image) its invalid_value.
                bool wrongKind = JsonFields.Get(message, "content") is { ValueKind: not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null) };
                throw OpenAIApiException.BadRequest(ex.Message, "messages", wrongKind ? JsonFields.InvalidType : "invalid_value");
            }
        }
        if (string.IsNullOrWhiteSpace(text)) throw OpenAIApiException.BadRequest("messages hold no user message with text to classify", "messages", "invalid_value");
        return text;
    }

    // A probability of exactly 0 underflowed; the smallest positive float stands in so the log stays finite JSON.
    private static double LogOf(float probability) => Math.Log(Math.Max(probability, float.Epsilon));

    private static int[] Bytes(string token) => [.. Encoding.UTF8.GetBytes(token).Select(b => (int)b)];
}
