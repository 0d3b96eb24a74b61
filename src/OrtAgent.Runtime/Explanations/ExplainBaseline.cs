namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// The input integrated gradients starts from. Each text token's word embedding is replaced by the embedding of one
/// token; [CLS] and [SEP] keep their own embeddings (as Captum's BERT examples build their reference input), so they
/// receive no attribution and the path changes only the words.
/// </summary>
public enum ExplainBaseline
{
    /// <summary>Every text token becomes [PAD]: the usual "no information" reference.</summary>
    Pad,

    /// <summary>Every text token becomes [MASK], the token masked-language pre-training taught to mean "unknown word".</summary>
    Mask,
}
