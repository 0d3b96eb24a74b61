using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Serving;

/// <summary>A validated <c>POST /explain</c> body.</summary>
/// <param name="Texts">The texts to explain, in request order.</param>
/// <param name="IsBatch">True when <c>inputs</c> was an array, so the answer is an array of explanations.</param>
/// <param name="Options">Steps, baseline and label.</param>
/// <param name="Model">The model the client means, as in <c>/predict</c>; null for the one served.</param>
internal sealed record ExplainRequest(IReadOnlyList<string> Texts, bool IsBatch, ExplainOptions Options, string? Model = null);
