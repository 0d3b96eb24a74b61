namespace OrtAgent.Runtime.Tests;

public sealed class PredictionTests
{
    /// <summary>The record's own ToString printed the probabilities as System.Collections.Generic.Dictionary`2[…].</summary>
    [Fact]
    public void ToStringGivesTheLabelItsScoreAndEveryProbability()
    {
        var prediction = new Prediction("positive", 0.75f, new Dictionary<string, float> { ["negative"] = 0.25f, ["positive"] = 0.75f });

        Assert.Equal("positive 0.750 (negative 0.250, positive 0.750)", prediction.ToString());
    }

    /// <summary>With many labels the probabilities came in label order only; Top(k) ranks them, ties in label order.</summary>
    [Fact]
    public void TopGivesTheMostProbableLabelsHighestFirstTiesInLabelOrder()
    {
        var prediction = new Prediction("c", 0.4f, new Dictionary<string, float> { ["a"] = 0.1f, ["b"] = 0.25f, ["c"] = 0.4f, ["d"] = 0.25f });

        Assert.Equal([KeyValuePair.Create("c", 0.4f), KeyValuePair.Create("b", 0.25f), KeyValuePair.Create("d", 0.25f)], prediction.Top(3));
        Assert.Equal([new KeyValuePair<string, float>("c", 0.4f)], prediction.Top(1));
        Assert.Equal(["c", "b", "d", "a"], prediction.Top(4).Select(p => p.Key));
        Assert.Throws<ArgumentOutOfRangeException>(() => prediction.Top(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => prediction.Top(5));
    }
}
