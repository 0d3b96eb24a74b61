using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// A step whose gradients were not finite while its loss was (here an embedding of zero length, L2-normalised) was
/// applied: clipping multiplied every gradient by a NaN scale, every parameter and moment became NaN, and so did every
/// later step. The session now refuses it, on the fused host step and on the optimizer graph CUDA runs alike.
/// </summary>
public sealed class TrainingSessionRefusedStepTests : IDisposable
{
    private const string LastLayerNorm = "encoder.layer.1.output.LayerNorm.";
    private readonly TempDirectory _root = new("refused-step");

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData(false)] // HostAdamW
    [InlineData(true)]  // the optimizer graph and its second buffers
    public void AStepWhoseGradientsAreNotFiniteLeavesParametersStateAndStepAsTheyWere(bool staged)
    {
        var zeroBase = _root.Combine("zero-base");
        TinyBertBuilder.WriteBaseModelWithZeroEmbeddings(zeroBase);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = zeroBase, Labels = ["no", "yes"], Seed = 3, NormalizeEmbeddings = true,
        }, _root.Combine($"artifacts-{staged}"));
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings(), staged);
        var batch = TrainingBatch.Collate(FineTunerTests.Synthetic(8, 1), [0, 1, 2, 3, 4, 5, 6, 7], padId: 0);
        // A first step with the last LayerNorm working is applied, so that the refused step has moments to leave alone.
        var zeroed = session.GetParameters().Where(p => p.Key.StartsWith(LastLayerNorm, StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(2, zeroed.Count);
        session.SetParameters(zeroed.ToDictionary(p => p.Key, p => TensorData.Create<float>(p.Value.Dims,
            Enumerable.Repeat(p.Key.EndsWith("weight", StringComparison.Ordinal) ? 1f : 0f, (int)p.Value.ElementCount).ToArray())));
        session.TrainStep(batch);
        Assert.True(float.IsFinite(session.OptimizerStep(1e-3, maxGradNorm: 1)));
        session.SetParameters(zeroed);
        var parameters = session.GetParameters();
        var state = session.GetOptimizerState();

        float loss = session.TrainStep(batch);
        float norm = session.OptimizerStep(1e-3, maxGradNorm: 1);

        Assert.True(float.IsFinite(loss), $"loss {loss}");
        Assert.True(float.IsNaN(norm), $"norm {norm}");
        Assert.Equal(1, session.Step);
        AssertSameBits(parameters, session.GetParameters());
        AssertSameBits(state, session.GetOptimizerState());
        // The refused step's gradients were dropped with it: the next step needs a TrainStep of its own.
        Assert.Throws<InvalidOperationException>(() => session.OptimizerStep(1e-3, maxGradNorm: 1));
    }

    private static void AssertSameBits(IReadOnlyList<KeyValuePair<string, TensorData>> expected, IReadOnlyList<KeyValuePair<string, TensorData>> actual)
    {
        Assert.Equal(expected.Select(p => p.Key), actual.Select(p => p.Key));
        foreach (var (before, after) in expected.Zip(actual))
            Assert.True(before.Value.Bytes.SequenceEqual(after.Value.Bytes), $"{before.Key} changed");
    }
}
