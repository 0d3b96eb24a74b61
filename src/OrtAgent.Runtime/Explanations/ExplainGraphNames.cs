namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// The contract of <c>explain.onnx</c> (<see cref="ModelContract.ExplainModelFile"/>), the integrated-gradients graph an
/// export writes beside <c>model.onnx</c>: its inputs and outputs. The exporter's graph builder writes it and <see cref="TextClassifier"/> reads it.
/// </summary>
/// <remarks>
/// Every input and output has the batch as its first dimension, one row per point on the integration path. The graph
/// replaces the word-embedding output <c>E(input_ids)</c> by <c>E(baseline_ids) + alpha · (E(input_ids) − E(baseline_ids))</c>
/// (position and token-type embeddings are added after it, as the encoder does) and differentiates the logit chosen by
/// <c>target</c> with respect to that interpolated word embedding.
/// </remarks>
public static class ExplainGraphNames
{
    /// <summary>Int64 <c>[batch, sequence]</c> token ids, as for <c>model.onnx</c>.</summary>
    public const string InputIds = ModelContract.InputIds;

    /// <summary>Int64 <c>[batch, sequence]</c>, 1 for real tokens.</summary>
    public const string AttentionMask = ModelContract.AttentionMask;

    /// <summary>Int64 <c>[batch, sequence]</c> segment ids, present when the encoder takes them.</summary>
    public const string TokenTypeIds = ModelContract.TokenTypeIds;

    /// <summary>Int64 <c>[batch, sequence]</c> ids whose word embeddings are the baseline (for example [CLS] [PAD]… [SEP]).</summary>
    public const string BaselineIds = "baseline_ids";

    /// <summary>Float <c>[batch]</c> path coefficient: 0 is the baseline, 1 the input.</summary>
    public const string Alpha = "alpha";

    /// <summary>Int64 <c>[batch]</c> index of the label whose logit is explained.</summary>
    public const string Target = "target";

    /// <summary>Float <c>[batch, labels]</c> logits at each path point.</summary>
    public const string Logits = ModelContract.Logits;

    /// <summary>Float <c>[batch, sequence, hidden]</c>: d logit[target] / d (interpolated word embedding).</summary>
    public const string EmbeddingGradient = "embedding_gradient";

    /// <summary>
    /// Float <c>[batch, sequence]</c>: the gradient dotted with <c>E(input_ids) − E(baseline_ids)</c> per token. Weighted
    /// by the quadrature weights and summed over the path points, it is each token's integrated-gradients attribution.
    /// </summary>
    public const string GradientTimesDelta = "gradient_times_delta";

    /// <summary>Metadata key naming the word-embedding table the graph interpolates (for diagnostics).</summary>
    public const string WordEmbeddingMetadata = "ortagent.explain.word_embeddings";

    /// <summary>
    /// Metadata key recording the SHA-256 (lower-case hex) of the <c>model.onnx</c> bytes the graph was built beside. A
    /// classifier refuses an <c>explain.onnx</c> whose record names other bytes than its <c>model.onnx</c>'s; one without
    /// the record (exported before it existed) is used as before, checked by its inputs and label count alone.
    /// </summary>
    public const string ModelDigestMetadata = "ortagent.explain.model_sha256";

    /// <summary>
    /// Metadata key recording the SHA-256 (lower-case hex) of the graph's own external data file (<c>explain.onnx.data</c>,
    /// where a graph over 1.8 GB keeps its weights), as the export wrote it. <c>explain.onnx</c> then holds only names,
    /// shapes and offsets, which another model of the same shape shares, so another model's data file copied over this
    /// one's would explain that model; a classifier refuses a data file whose bytes are not the recorded ones. A graph
    /// without the record (exported before it existed, or given external data by hand) is used as before.
    /// </summary>
    public const string ExternalDataDigestMetadata = "ortagent.explain.external_data_sha256";

    /// <summary>
    /// Why an int8 model cannot get an <c>explain.onnx</c> from its own weights, said both when explaining it and when
    /// adding the graph to it; the way out is <see cref="ExplainGraphRemedy.ExportAgainFromCheckpoint"/>.
    /// </summary>
    public const string Int8NeedsFloat32 = "this int8 model's gradients need the fp32 weights it was quantized from";

    /// <summary>What a damaged <c>explain.onnx</c> is, said both when explaining and when asked to add a graph beside it.</summary>
    internal const string NotAWholeModel = "is not a whole ONNX model (cut short or overwritten)";
}
