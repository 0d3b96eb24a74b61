using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Tests.Text;

public sealed class LengthBucketBatcherTests
{
    private static LengthBucketBatcher CreateBatcher(int batchSize, bool shuffle = true, int bucketSizeInBatches = 50) =>
        LengthBucketBatcher.Create(new LengthBucketBatcherOptions
        {
            BatchSize = batchSize,
            Shuffle = shuffle,
            BucketSizeInBatches = bucketSizeInBatches,
        });

    /// <summary>Lengths spread from 8 to 128 tokens, like short reviews next to long ones.</summary>
    private static int[] SpreadLengths(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(8, 129)).ToArray();
    }

    [Fact]
    public void WithoutShuffleBatchesAreSortedByLengthShortestFirst()
    {
        // Sorted by (length, index): #1 (3), #3 (3), #0 (5), #4 (7), #2 (9).
        int[] lengths = [5, 3, 9, 3, 7];

        IReadOnlyList<int[]> batches = CreateBatcher(batchSize: 2, shuffle: false).CreateBatches(lengths);

        Assert.Equal([[1, 3], [0, 4], [2]], batches);
    }

    [Fact]
    public void WithoutShuffleTheSeedIsIgnored()
    {
        int[] lengths = SpreadLengths(100, seed: 1);
        LengthBucketBatcher batcher = CreateBatcher(batchSize: 8, shuffle: false);

        Assert.Equal(batcher.CreateBatches(lengths, seed: 1), batcher.CreateBatches(lengths, seed: 2));
    }

    [Fact]
    public void EveryIndexAppearsExactlyOnce()
    {
        int[] lengths = SpreadLengths(1000, seed: 3);

        IReadOnlyList<int[]> batches = CreateBatcher(batchSize: 16).CreateBatches(lengths, seed: 7);

        Assert.Equal(Enumerable.Range(0, 1000), batches.SelectMany(b => b).Order());
        // 1000 examples in buckets of 16 × 50 = 800: 800 → 50 batches, the remaining 200 → 12 full + 1 of 8.
        Assert.Equal(63, batches.Count);
        Assert.All(batches, b => Assert.InRange(b.Length, 8, 16));
    }

    [Fact]
    public void SmallDatasetSmallerThanOneBatchGivesOneBatch()
    {
        IReadOnlyList<int[]> batches = CreateBatcher(batchSize: 32).CreateBatches([4, 2, 9], seed: 0);

        int[] batch = Assert.Single(batches);
        Assert.Equal([1, 0, 2], batch); // one bucket, sorted by length
    }

    [Theory]
    [InlineData(int.MaxValue, 50, true)]
    [InlineData(100_000_000, 50, true)]
    [InlineData(int.MaxValue, 1, false)]
    public void ABatchSizeBeyondTheDataIsOneBatchOfEverything(int batchSize, int bucketSizeInBatches, bool shuffle)
    {
        IReadOnlyList<int[]> batches = CreateBatcher(batchSize, shuffle, bucketSizeInBatches).CreateBatches([4, 2, 9, 2], seed: 3);

        Assert.Equal([1, 3, 0, 2], Assert.Single(batches));
    }

    [Theory]
    [InlineData(0, 5, 0)]
    [InlineData(10, 5, 2)]
    [InlineData(11, 5, 3)]
    [InlineData(int.MaxValue, int.MaxValue, 1)]
    [InlineData(int.MaxValue, 1, int.MaxValue)]
    [InlineData(3, int.MaxValue, 1)]
    public void BatchCountRoundsUpWithoutOverflow(int count, int batchSize, int expected) =>
        Assert.Equal(expected, LengthBucketBatcher.BatchCount(count, batchSize));

    [Fact]
    public void NoExamplesGiveNoBatches()
    {
        Assert.Empty(CreateBatcher(batchSize: 4).CreateBatches([], seed: 0));
        Assert.Empty(CreateBatcher(batchSize: 4, shuffle: false).CreateBatches([]));
    }

    [Fact]
    public void SameSeedGivesTheSameBatches()
    {
        int[] lengths = SpreadLengths(500, seed: 4);

        IReadOnlyList<int[]> first = CreateBatcher(batchSize: 8).CreateBatches(lengths, seed: 42);
        IReadOnlyList<int[]> second = CreateBatcher(batchSize: 8).CreateBatches(lengths, seed: 42);

        Assert.Equal(first, second);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentBatches()
    {
        int[] lengths = SpreadLengths(500, seed: 4);
        LengthBucketBatcher batcher = CreateBatcher(batchSize: 8);

        IReadOnlyList<int[]> first = batcher.CreateBatches(lengths, seed: 1);
        IReadOnlyList<int[]> second = batcher.CreateBatches(lengths, seed: 2);

        Assert.NotEqual(first, second);
        Assert.NotEqual(first[0], second[0]);
    }

    [Fact]
    public void ShuffledBatchesDoNotComeInLengthOrder()
    {
        // Batch order is shuffled after bucketing so training does not sweep from short to long.
        int[] lengths = SpreadLengths(2000, seed: 5);

        IReadOnlyList<int[]> batches = CreateBatcher(batchSize: 10, bucketSizeInBatches: 200).CreateBatches(lengths, seed: 9);

        int[] longestPerBatch = batches.Select(b => b.Max(i => lengths[i])).ToArray();
        Assert.NotEqual(longestPerBatch.Order(), longestPerBatch);
    }

    [Fact]
    public void PaddingEfficiencyIsRealTokensOverPaddedTokens()
    {
        // Batch {0,1} pads to 4, batch {2,3} pads to 8: real 2+4+4+8 = 18, padded 2×4 + 2×8 = 24.
        int[] lengths = [2, 4, 4, 8];

        double efficiency = LengthBucketBatcher.MeasurePaddingEfficiency(lengths, [[0, 1], [2, 3]]);

        Assert.Equal(0.75, efficiency, precision: 12);
    }

    [Fact]
    public void PaddingEfficiencyIsOneWithoutPadding()
    {
        Assert.Equal(1.0, LengthBucketBatcher.MeasurePaddingEfficiency([5, 5, 7], [[0, 1], [2]]));
        Assert.Equal(1.0, LengthBucketBatcher.MeasurePaddingEfficiency([], Array.Empty<int[]>()));
    }

    [Fact]
    public void BucketingPadsFarLessThanRandomBatches()
    {
        int[] lengths = SpreadLengths(4000, seed: 6);

        double bucketed = LengthBucketBatcher.MeasurePaddingEfficiency(
            lengths, CreateBatcher(batchSize: 32).CreateBatches(lengths, seed: 11));
        // One batch per bucket sorts nothing across batches: these are plain random batches.
        double random = LengthBucketBatcher.MeasurePaddingEfficiency(
            lengths, CreateBatcher(batchSize: 32, bucketSizeInBatches: 1).CreateBatches(lengths, seed: 11));
        double sorted = LengthBucketBatcher.MeasurePaddingEfficiency(
            lengths, CreateBatcher(batchSize: 32, shuffle: false).CreateBatches(lengths));

        // Uniform 8…128 in batches of 32: a random batch pads to ~125 for a mean of 68 (≈ 0.55);
        // a bucket of 1600 sorted leaves ~2.4 tokens of spread per batch (≈ 0.97).
        Assert.InRange(random, 0.45, 0.65);
        Assert.True(bucketed > 0.9, $"bucketed efficiency {bucketed:F3}");
        Assert.True(sorted >= bucketed, $"sorted {sorted:F3} < bucketed {bucketed:F3}");
    }

    [Theory]
    [InlineData(0, 50, "LengthBucketBatcherOptions.BatchSize = 0: must be at least 1")]
    [InlineData(-1, 50, "LengthBucketBatcherOptions.BatchSize = -1: must be at least 1")]
    [InlineData(8, 0, "LengthBucketBatcherOptions.BucketSizeInBatches = 0: must be at least 1")]
    public void OutOfRangeOptionsAreRejectedNamingTheProperty(int batchSize, int bucketSizeInBatches, string message)
    {
        var refused = Assert.Throws<InvalidOptionException>(() => CreateBatcher(batchSize, bucketSizeInBatches: bucketSizeInBatches));
        Assert.Equal(message, refused.Message);
    }
}
