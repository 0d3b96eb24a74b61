namespace OrtAgent.Training.Artifacts;

/// <summary>What the training graph optimises.</summary>
public enum TrainingObjective
{
    /// <summary>A classification head and its loss on the pooled encoder output (standard fine-tuning).</summary>
    Classification,

    /// <summary>
    /// Contrastive fine-tuning of the encoder alone on sentence pairs (SetFit's first stage): the cosine similarity of
    /// the two texts' mean-pooled embeddings, squared error to 1 for same-label pairs and to 0 otherwise.
    /// </summary>
    PairSimilarity,
}
