namespace OrtAgent.Training.Contrastive;

/// <summary>The loss that contrastive training's first stage fine-tunes the encoder with.</summary>
public enum ContrastiveLoss
{
    /// <summary>
    /// SetFit's <c>CosineSimilarityLoss</c>: the squared error of each sampled pair's cosine similarity to 1 for a
    /// same-label pair and to 0 otherwise. Only the pairs are compared.
    /// </summary>
    CosineSimilarity,

    /// <summary>
    /// The supervised contrastive loss (Khosla et al. 2020; SetFit's <c>SupConLoss</c>): every text of the batch is an
    /// anchor, and its loss is minus the mean, over the other texts of its class, of their log-softmax among all other
    /// texts of the batch by cosine similarity over <see cref="ContrastiveOptions.Temperature"/>. The batch's pairs only
    /// decide which texts meet.
    /// </summary>
    SupervisedContrastive,
}
