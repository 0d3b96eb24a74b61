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
/// length, [SEP]) and the label as one token of the classifier's vocabulary (completion). What a classifier cannot
/// do — streaming, several choices, tools — is refused with a 400 rather than answered wrongly; a tool choice of
/// <c>"none"</c>, which asks for no call, is taken. The message is classified in the model's batch, with the
/// <c>/predict</c> requests and other chats for that model that came meanwhile (<see cref="ModelBatchers"/>).
/// </summary>
internal sealed class ChatCompletionsEndpoint(ServedModels models, ModelBatchers batchers, FineTuningServiceOptions options)
{
    // A message of another role is not read (only the last user message is classified), but an unknown role is the
    // client's mistake: {"role": "wizard"} was answered "messages hold no user message".
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    // The completion is one token of the classifier's own vocabulary, its labels: the head's softmax over the labels is
    // what a language model's softmax over its vocabulary is, and logprobs.content holds that one token. Counting the
    // label's WordPiece tokens (5 for extremely_unhappy_customer) put completion_tokens above a max_completion_tokens of
    // 1 that the answer kept, and at odds with logprobs' one entry; cutting the label to the limit would answer a
    // non-label, and refusing a limit would refuse the max_tokens 1 with logprobs that reads a classifier's
    // probabilities. So any limit (at least 1) holds the whole label, and finish_reason is "stop".
    private const int LabelTokens = 1;

    public void Map(IEndpointRouteBuilder routes) => routes.MapPost("/v1/chat/completions", OpenAIErrorEnvelope.Handle(CompleteAsync)).AllowInferenceKeys();

    private async Task CompleteAsync(HttpContext context)
    {
        using var body = await OpenAIErrorEnvelope.ReadJsonObjectAsync(context.Request);
        var root = body.RootElement;
        ChatParameters.Check(root);
        // "" is no model, as an absent one is: it was looked up, and a 404 "The model '' does not exist".
        string model = JsonFields.String(root, "model") is { Length: > 0 } named ? named : throw OpenAIApiException.BadRequest("model is required", "model", OpenAIApiException.MissingRequiredParameter);
        bool logprobs = JsonFields.Bool(root, "logprobs");
        // Its range and form checked above, where 2.0 is taken as 2.
        int topLogprobs = JsonFields.Get(root, "top_logprobs") is { } asked ? (int)asked.GetDouble() : 0;
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
            ChatCompletionObject.LogprobsObject? logprobsObject = null;
            if (logprobs)
            {
                var mostProbable = topLogprobs == 0 ? [] : prediction.Top(Math.Min(topLogprobs, prediction.Probabilities.Count));
                var top = mostProbable.Select(p => new ChatCompletionObject.TopLogprob(p.Key, LogOf(p.Value), Bytes(p.Key))).ToList();
                logprobsObject = new([new ChatCompletionObject.TokenLogprob(prediction.Label, LogOf(prediction.Probabilities[prediction.Label]), Bytes(prediction.Label), top)]);
            }
            var answer = new ChatCompletionObject(FineTuningStore.NewId("chatcmpl-"), FineTuningStore.Now(), model,
                [new ChatCompletionObject.Choice(0, new ChatCompletionObject.Message(prediction.Label), logprobsObject)],
                new ChatCompletionObject.UsageObject(promptTokens, LabelTokens, promptTokens + LabelTokens));
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
                text = ChatExample.Content(message, where, whereIsPath: true);
            }
            catch (ContentPartException ex)
            {
                // A part's type or text, named with its path as a field given twice is (messages[1].content[0].type).
                throw OpenAIApiException.BadRequest(ex.Message, ex.Field, "invalid_value");
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
