namespace OrtAgent.Serving;

/// <summary>A validated <c>POST /predict</c> body.</summary>
/// <param name="Texts">The texts to classify, in request order.</param>
/// <param name="IsBatch">True when <c>inputs</c> was an array, so the answer is an array of per-text arrays.</param>
/// <param name="RawScores">True to answer with logits instead of probabilities.</param>
/// <param name="Model">The served model to answer with (<c>"model"</c>); null for the default one.</param>
/// <param name="Truncate">
/// False when the client sent <c>"truncate": false</c>: an input longer than the model reads is refused (413), as
/// text-embeddings-inference refuses it, rather than cut. True otherwise: OrtAgent's documented default is to cut.
/// </param>
internal sealed record PredictRequest(IReadOnlyList<string> Texts, bool IsBatch, bool RawScores, string? Model = null, bool Truncate = true);
