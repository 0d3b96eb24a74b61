using OrtAgent.Runtime.Text;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Models;

/// <summary>A loaded classifier with the tokenizer that counts a request's tokens for <c>usage</c>.</summary>
internal sealed class LoadedModel(string id, ServedClassifier served, BertTextEncoder encoder)
{
    public string Id { get; } = id;

    /// <summary>Reference-counted, so a model deleted while a request uses it is freed after that request.</summary>
    public ServedClassifier Served { get; } = served;

    public BertTextEncoder Encoder { get; } = encoder;
}
