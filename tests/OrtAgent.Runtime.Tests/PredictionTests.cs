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
}
