using OrtAgent.Runtime;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// <see cref="TextClassifier.PredictBatch"/> runs texts in chunks of the shortest first; which texts share a chunk
/// decides its padding, so the order must be the one a stable sort by token count gives (ties in the caller's order),
/// or a batch's probabilities would move with the order it was sorted in.
/// </summary>
public sealed class ChunkOrderTests
{
    [Fact]
    public void TextsRunShortestFirstWithTiesInTheCallersOrder()
    {
        int[][] tokenIds = [[101, 7, 8, 102], [101, 102, 0], [101, 9, 9, 102], [101, 102], [101, 5, 102], [101, 6, 6, 102]];

        Assert.Equal([3, 1, 4, 0, 2, 5], TextClassifier.ShortestFirst(tokenIds));
    }

    [Fact]
    public void TheOrderIsLinqsStableOrderOnManyTies()
    {
        var random = new Random(4);
        var tokenIds = Enumerable.Range(0, 300).Select(_ => new int[random.Next(2, 9)]).ToArray();

        Assert.Equal(Enumerable.Range(0, tokenIds.Length).OrderBy(i => tokenIds[i].Length), TextClassifier.ShortestFirst(tokenIds));
    }
}
