namespace OrtAgent.Training.Trainer;

/// <summary>How a classifier is trained.</summary>
public enum TrainingMethod
{
    /// <summary>Standard fine-tuning: encoder and classification head together on cross-entropy.</summary>
    Standard,

    /// <summary>SetFit-style: the encoder on sentence pairs, then a logistic-regression head on its embeddings.</summary>
    Contrastive,

    /// <summary>Contrastive below <see cref="TrainingMethodChoice.ContrastiveBelowPerClass"/> examples in the smallest class, else standard.</summary>
    Auto,
}
