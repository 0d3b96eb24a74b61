namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's <c>chat.completion</c> object, for a classification answered as the assistant's message.</summary>
public sealed record ChatCompletionObject(string Id, long Created, string Model, IReadOnlyList<ChatCompletionObject.Choice> Choices, ChatCompletionObject.UsageObject Usage)
{
    public string Object => "chat.completion";
    public string? SystemFingerprint => null;

    public sealed record Choice(int Index, Message Message, LogprobsObject? Logprobs)
    {
        public string FinishReason => "stop";
    }

    public sealed record Message(string Content)
    {
        public string Role => "assistant";
        public string? Refusal => null;
    }

    /// <summary>One "token", the label, with the other labels as its alternatives.</summary>
    public sealed record LogprobsObject(IReadOnlyList<TokenLogprob> Content)
    {
        public IReadOnlyList<TokenLogprob>? Refusal => null;
    }

    public sealed record TokenLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<TopLogprob> TopLogprobs);

    public sealed record TopLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes);

    public sealed record UsageObject(int PromptTokens, int CompletionTokens, int TotalTokens);
}
