using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>The slot swaps in a reloaded model and refuses work once disposed instead of spinning.</summary>
public sealed class ClassifierSlotTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ortagent-slot-" + Guid.NewGuid().ToString("N"));

    public ClassifierSlotTests() => ToyClassifierModel.Write(_directory, ToyClassifierModel.Sentiment);

    [Fact]
    public async Task ReloadSwapsToTheModelNowOnDisk()
    {
        using var slot = ClassifierSlot.Load(_directory, new TextClassifierOptions());
        Assert.Equal("positive", slot.PredictBatch(["great pizza"])[0].Label);

        ToyClassifierModel.Write(_directory, ToyClassifierModel.Topic);
        var info = await slot.ReloadAsync(CancellationToken.None);

        Assert.Equal(["food", "sports", "other"], info.Labels);
        Assert.Equal("food", slot.PredictBatch(["great pizza"])[0].Label);
        Assert.Equal(1, slot.ReloadCount);
    }

    [Fact]
    public void ADisposedSlotRefusesWork()
    {
        var slot = ClassifierSlot.Load(_directory, new TextClassifierOptions());
        slot.Dispose();
        slot.Dispose();

        Assert.Throws<ObjectDisposedException>(() => slot.PredictBatch(["good"]));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
