using OrtAgent.Runtime;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

public sealed class ModelCardMetricsTests
{
    private static readonly ClassifierModelInfo Info = new(["neg", "pos"], 32, true, "tiny", "single_label",
        new Dictionary<string, double> { ["accuracy"] = 0.9 });

    /// <summary>An int8 export's card gave the fp32 run's validation metrics as if measured on the int8 model.</summary>
    [Fact]
    public void AnInt8CardSaysItsMetricsAreTheFp32Runs()
    {
        string card = ModelCard.FromInfo(Info with { Weights = ModelWeights.Int8 });

        Assert.Contains("## Validation metrics\n\n" + ModelCard.Int8MetricsNote + "\n\n| metric | value |", card.ReplaceLineEndings("\n"));
        Assert.Contains("not on this int8 model", ModelCard.Int8MetricsNote);
        Assert.DoesNotContain(ModelCard.Int8MetricsNote, ModelCard.FromInfo(Info with { Weights = ModelWeights.Float32 }));
    }
}
