namespace OrtAgent.Runtime.Text;

/// <summary>
/// Plans batches of example indices so that examples of similar token length share a batch. Batches are
/// padded to their own longest example, so grouping lengths cuts the padded tokens the model computes on.
/// </summary>
/// <remarks>
/// When shuffling, a seed fixes the plan completely: the same lengths, options and seed give the same batches,
/// so a training run can be repeated and an interrupted epoch replayed. (The plan uses <see cref="Random"/>
/// with a seed, which is stable for a given .NET version.) Instances are immutable and thread-safe.
/// </remarks>
public sealed class LengthBucketBatcher
{
    private LengthBucketBatcher(LengthBucketBatcherOptions options)
    {
        BatchSize = options.BatchSize;
        Shuffle = options.Shuffle;
        BucketSizeInBatches = options.BucketSizeInBatches;
    }

    /// <summary>Creates a batcher; options are validated here, before any data is seen.</summary>
    /// <exception cref="InvalidOptionException">An option is out of range; the exception names it.</exception>
    public static LengthBucketBatcher Create(LengthBucketBatcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new LengthBucketBatcher(options);
    }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether <see cref="CreateBatches"/> randomizes (training) or sorts by length (evaluation).</summary>
    public bool Shuffle { get; }

    /// <summary>Batches' worth of examples sorted by length together.</summary>
    public int BucketSizeInBatches { get; }

    /// <summary>
    /// Splits examples 0 … N−1 into batches, each index appearing exactly once.
    /// Shuffling: indices are shuffled, cut into buckets of <see cref="BucketSizeInBatches"/> × <see cref="BatchSize"/>,
    /// each bucket sorted by length and cut into batches, then the order of all batches shuffled (so the model does
    /// not see lengths rise and fall in a pattern). Not shuffling: indices sorted by length, shortest first.
    /// </summary>
    /// <param name="tokenLengths">Token count of each example (as encoded, with special tokens); its length is N.</param>
    /// <param name="seed">Fixes the shuffle; pass a different value per epoch. Ignored when not shuffling.</param>
    /// <returns>Batches of indices into <paramref name="tokenLengths"/>; all full but possibly the last of a bucket.</returns>
    public IReadOnlyList<int[]> CreateBatches(ReadOnlySpan<int> tokenLengths, int seed = 0)
    {
        int count = tokenLengths.Length;
        // The sort comparison is a lambda, which cannot capture a span; one copy serves every bucket.
        int[] lengths = tokenLengths.ToArray();
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        if (!Shuffle)
        {
            SortByLength(order, lengths);
            return CutIntoBatches(order, BatchSize);
        }

        var random = new Random(seed);
        random.Shuffle(order);

        // A batch size beyond the data (--batch-size 100000000) is one batch of everything, not an overflow.
        int bucketSize = (int)Math.Min((long)BatchSize * BucketSizeInBatches, Math.Max(count, 1));
        var batches = new List<int[]>(BatchCount(count, BatchSize));
        for (int start = 0; start < count; start += bucketSize)
        {
            Span<int> bucket = order.AsSpan(start, Math.Min(bucketSize, count - start));
            SortByLength(bucket, lengths);
            batches.AddRange(CutIntoBatches(bucket, BatchSize));
        }

        int[][] shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }

    /// <summary>How many batches of at most <paramref name="batchSize"/> hold <paramref name="count"/> items; no overflow at any size.</summary>
    public static int BatchCount(int count, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return count == 0 ? 0 : (count - 1) / batchSize + 1;
    }

    /// <summary>
    /// Real tokens divided by the tokens a model computes on when each batch is padded to its longest example:
    /// 1.0 means no padding at all. Use it to compare batch plans, for example bucketed against
    /// <see cref="LengthBucketBatcherOptions.BucketSizeInBatches"/> = 1 (random batches).
    /// </summary>
    /// <param name="tokenLengths">Token count of each example.</param>
    /// <param name="batches">Batches of indices into <paramref name="tokenLengths"/>.</param>
    /// <returns>A ratio in (0, 1]; 1.0 when there are no tokens at all.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="batches"/>, or one of its batches, is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A batch holds an index outside <paramref name="tokenLengths"/>.</exception>
    public static double MeasurePaddingEfficiency(ReadOnlySpan<int> tokenLengths, IEnumerable<IReadOnlyList<int>> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        long realTokens = 0;
        long paddedTokens = 0;
        foreach (IReadOnlyList<int> batch in batches)
        {
            ArgumentNullException.ThrowIfNull(batch, nameof(batches));
            int longest = 0;
            foreach (int index in batch)
            {
                if ((uint)index >= (uint)tokenLengths.Length)
                    throw new ArgumentOutOfRangeException(nameof(batches), index,
                        $"A batch holds index {index}, outside the {tokenLengths.Length} token lengths given.");
                int length = tokenLengths[index];
                realTokens += length;
                longest = Math.Max(longest, length);
            }

            paddedTokens += (long)longest * batch.Count;
        }

        return paddedTokens == 0 ? 1.0 : (double)realTokens / paddedTokens;
    }

    private static void SortByLength(Span<int> indices, int[] lengths)
    {
        // Ties broken by index so the result does not depend on the sort algorithm's stability.
        indices.Sort((a, b) =>
        {
            int byLength = lengths[a].CompareTo(lengths[b]);
            return byLength != 0 ? byLength : a.CompareTo(b);
        });
    }

    private static List<int[]> CutIntoBatches(ReadOnlySpan<int> indices, int batchSize)
    {
        var batches = new List<int[]>(BatchCount(indices.Length, batchSize));
        for (int start = 0; start < indices.Length; start += batchSize)
        {
            batches.Add(indices.Slice(start, Math.Min(batchSize, indices.Length - start)).ToArray());
        }

        return batches;
    }
}
