namespace OrtAgent.Runtime;

/// <summary>Options for <see cref="TextClassifier.Load"/>.</summary>
public sealed class TextClassifierOptions
{
    /// <summary>Device, threads and optimisation level of the inference session.</summary>
    public OrtSessionSettings Session { get; init; } = new();

    /// <summary>
    /// Texts sent to ONNX Runtime in one run; larger batches are cut into chunks of this size. A graph whose inputs fix
    /// the batch size runs chunks of at most that size, each filled up to it with empty texts whose scores are dropped.
    /// </summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>
    /// Overrides the model's recorded maximum sequence length when set; it cannot exceed the model's position table or
    /// the sequence length the graph's inputs fix. Unset, the recorded length is held to that fixed length.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// Checks the values that need no model, <see cref="Session"/>'s included; the first bad one is an
    /// <see cref="InvalidOptionException"/> naming its property.
    /// </summary>
    /// <exception cref="InvalidOptionException">A value is out of range, or <see cref="Session"/> is null.</exception>
    internal void Validate()
    {
        if (Session is null)
            throw new InvalidOptionException(InvalidOptionException.Name<TextClassifierOptions>(nameof(Session)), null, "is required; leave it unset for the default settings");
        Session.Validate();
        if (MaxBatchSize < 1) throw new InvalidOptionException(InvalidOptionException.Name<TextClassifierOptions>(nameof(MaxBatchSize)), MaxBatchSize, "must be at least 1");
        if (MaxLength is < 2)
            throw new InvalidOptionException(InvalidOptionException.Name<TextClassifierOptions>(nameof(MaxLength)), MaxLength, "must be at least 2, to hold [CLS] and [SEP]");
    }
}
