namespace OrtAgent.Training.Contrastive;

/// <summary>
/// Draws the sentence pairs of contrastive fine-tuning, as SetFit does: in each of <see cref="Rounds"/> rounds every
/// example is paired once with another example of its label (positive) and once with an example of another label
/// (negative), partners drawn uniformly. Positives and negatives are therefore equal in number, every example
/// appears in <c>2 × rounds</c> pairs as the first text, and one seed always gives the same pairs in the same order.
/// </summary>
public sealed class ContrastivePairSampler
{
    /// <summary>Pair rounds per example; SetFit's <c>num_iterations</c> default.</summary>
    public const int DefaultRounds = 20;

    /// <summary>Creates a sampler; <paramref name="rounds"/> must be at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The number of rounds is below 1 (<see cref="ContrastiveOptions.Validate"/>
    /// refuses such a <see cref="ContrastiveOptions.PairRounds"/> first, as the user's mistake it is there).</exception>
    public ContrastivePairSampler(int rounds = DefaultRounds, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        Rounds = rounds;
        Seed = seed;
    }

    /// <summary>Pair rounds per example, at least 1; each gives every example one positive and one negative pair.</summary>
    public int Rounds { get; }

    /// <summary>The seed partners are drawn with: one seed always gives the same pairs in the same order.</summary>
    public int Seed { get; }

    /// <summary>How many pairs <see cref="Sample"/> returns for <paramref name="examples"/> examples.</summary>
    public long PairCount(int examples) => 2L * Rounds * examples;

    /// <summary>The pairs over examples whose labels are <paramref name="labels"/>, in generation order.</summary>
    /// <exception cref="UserInputException">Fewer than two distinct labels occur: no negative pair exists.</exception>
    public IReadOnlyList<SentencePair> Sample(IReadOnlyList<int> labels)
    {
        var byLabel = Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).ToDictionary(g => g.Key, g => g.ToArray());
        if (byLabel.Count < 2)
            throw new UserInputException($"contrastive training needs examples of at least two labels; the training data has {byLabel.Count}");
        // The examples of every other label, for uniform negative partners.
        var others = byLabel.Keys.ToDictionary(label => label, label => Enumerable.Range(0, labels.Count).Where(i => labels[i] != label).ToArray());
        var random = new Random(Seed);
        var pairs = new List<SentencePair>(checked((int)PairCount(labels.Count)));
        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < labels.Count; i++)
            {
                var same = byLabel[labels[i]];
                pairs.Add(new SentencePair(i, PositivePartner(same, i, random), Positive: true));
                var different = others[labels[i]];
                pairs.Add(new SentencePair(i, different[random.Next(different.Length)], Positive: false));
            }
        }
        return pairs;
    }

    /// <summary>Another example of the same label; the example itself only when it is its label's sole example.</summary>
    private static int PositivePartner(int[] same, int self, Random random)
    {
        if (same.Length == 1) return self;
        int pick = same[random.Next(same.Length - 1)];
        // Draw from the label's examples with `self` left out: the last one stands in for it.
        return pick == self ? same[^1] : pick;
    }
}
