namespace OrtAgent.Runtime.Text;

/// <summary>Options for <see cref="LengthBucketBatcher.Create(LengthBucketBatcherOptions)"/>.</summary>
public sealed class LengthBucketBatcherOptions
{
    /// <summary>Examples per batch; the last batch holds the remainder. Must be at least 1.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// <see langword="true"/> for training: examples are shuffled, bucketed by length within chunks, and the
    /// batches shuffled. <see langword="false"/> for evaluation and prediction: all examples sorted by length,
    /// shortest first, with no randomness.
    /// </summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// How many batches' worth of shuffled examples are sorted by length together (the "bucket").
    /// Larger buckets pad less but make batch contents less random; 50 keeps both acceptable.
    /// 1 makes no attempt to group lengths: batches are then plain random batches, the baseline bucketing is measured against.
    /// </summary>
    public int BucketSizeInBatches { get; init; } = 50;

    /// <summary>Throws when a value cannot describe a working batcher.</summary>
    /// <exception cref="InvalidOptionException">A value is out of range; the exception names the property.</exception>
    internal void Validate()
    {
        if (BatchSize < 1) throw Invalid(nameof(BatchSize), BatchSize);
        if (BucketSizeInBatches < 1) throw Invalid(nameof(BucketSizeInBatches), BucketSizeInBatches);
    }

    private static InvalidOptionException Invalid(string property, int value) =>
        new(InvalidOptionException.Name<LengthBucketBatcherOptions>(property), value, "must be at least 1");
}
