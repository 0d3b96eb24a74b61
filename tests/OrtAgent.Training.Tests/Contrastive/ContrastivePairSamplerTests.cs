using OrtAgent.Training.Contrastive;

namespace OrtAgent.Training.Tests.Contrastive;

public sealed class ContrastivePairSamplerTests
{
    // Labels of unequal size; labels 2 and 3 have a single example each (indices 5 and 8).
    private static readonly int[] Labels = [0, 0, 0, 1, 1, 2, 0, 1, 3];

    [Fact]
    public void PairsAreBalancedAndTheirFlagsMatchTheLabels()
    {
        var pairs = new ContrastivePairSampler(rounds: 5, seed: 1).Sample(Labels);

        Assert.Equal(2 * 5 * Labels.Length, pairs.Count);
        Assert.Equal(pairs.Count / 2, pairs.Count(p => p.Positive));
        Assert.All(pairs, p => Assert.Equal(p.Positive, Labels[p.First] == Labels[p.Second]));
        // Every example leads exactly one positive and one negative pair per round.
        foreach (var i in Enumerable.Range(0, Labels.Length))
        {
            Assert.Equal(5, pairs.Count(p => p.First == i && p.Positive));
            Assert.Equal(5, pairs.Count(p => p.First == i && !p.Positive));
        }
        // An example is paired with itself only when its label has no other example.
        Assert.Equal([5, 8], pairs.Where(p => p.First == p.Second).Select(p => p.First).Distinct().Order());
    }

    [Fact]
    public void PartnersAreDrawnAcrossTheWholeLabel()
    {
        // 200 rounds: every other example of label 0 (indices 0, 1, 2, 6) should partner example 0 at some point.
        var pairs = new ContrastivePairSampler(rounds: 200, seed: 3).Sample(Labels);
        var positives = pairs.Where(p => p.First == 0 && p.Positive).Select(p => p.Second).ToHashSet();
        var negatives = pairs.Where(p => p.First == 0 && !p.Positive).Select(p => p.Second).ToHashSet();
        Assert.Equal([1, 2, 6], positives.Order());
        Assert.Equal([3, 4, 5, 7, 8], negatives.Order());
    }

    [Fact]
    public void OneSeedGivesOnePairListAndAnotherSeedAnother()
    {
        var a = new ContrastivePairSampler(rounds: 3, seed: 7).Sample(Labels);
        var b = new ContrastivePairSampler(rounds: 3, seed: 7).Sample(Labels);
        var c = new ContrastivePairSampler(rounds: 3, seed: 8).Sample(Labels);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void DataWithOneLabelIsAUserError()
    {
        var error = Assert.Throws<UserInputException>(() => new ContrastivePairSampler(rounds: 2).Sample([4, 4, 4]));
        Assert.Contains("at least two labels", error.Message);
    }

    /// <summary>
    /// The sampler's own argument, refused as an argument: the user's mistake is <see cref="ContrastiveOptions.PairRounds"/>,
    /// which the options refuse first, naming it. The sampler said <c>--pair-rounds 0</c>, a flag a library caller never typed.
    /// </summary>
    [Fact]
    public void RoundsBelowOneAreAnArgumentError()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ContrastivePairSampler(rounds: 0));
        Assert.Equal("rounds", error.ParamName);
        var option = Assert.Throws<InvalidOptionException>(new ContrastiveOptions { PairRounds = 0 }.Validate);
        Assert.Equal("ContrastiveOptions.PairRounds = 0: must be at least 1", option.Message);
    }

    /// <summary>The seed of the pairs is 0 or more, as the fine-tuning API takes it; a negative one was taken.</summary>
    [Fact]
    public void ANegativeSeedIsRefusedNamingIt()
    {
        var option = Assert.Throws<InvalidOptionException>(new ContrastiveOptions { Seed = -5 }.Validate);
        Assert.Equal("ContrastiveOptions.Seed = -5: must be 0 or more", option.Message);
    }
}
