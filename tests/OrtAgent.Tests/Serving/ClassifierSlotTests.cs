using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>The slot swaps in a reloaded model and refuses work once disposed instead of spinning.</summary>
public sealed class ClassifierSlotTests : IDisposable
{
    private readonly TempDirectory _directory = new("slot");

    public ClassifierSlotTests() => ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);

    [Fact]
    public async Task ReloadSwapsToTheModelNowOnDisk()
    {
        using var slot = ClassifierSlot.Load(_directory.Path, new TextClassifierOptions());
        Assert.Equal("positive", slot.PredictBatch(["great pizza"])[0].Label);

        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Topic);
        var info = await slot.ReloadAsync(CancellationToken.None);

        Assert.Equal(["food", "sports", "other"], info.Labels);
        Assert.Equal("food", slot.PredictBatch(["great pizza"])[0].Label);
        Assert.Equal(1, slot.ReloadCount);
    }

    [Fact]
    public void ADisposedSlotRefusesWork()
    {
        var slot = ClassifierSlot.Load(_directory.Path, new TextClassifierOptions());
        slot.Dispose();
        slot.Dispose();

        Assert.Throws<ObjectDisposedException>(() => slot.PredictBatch(["good"]));
    }

    public void Dispose() => _directory.Dispose();
}
