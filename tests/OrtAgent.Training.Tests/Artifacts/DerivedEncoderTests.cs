using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Training.Tests.Artifacts;

/// <summary>
/// A run's own encoder (a distillation's student, a distilled model's encoder) is held as one serialized model while
/// its graphs are built. Above protobuf's limit that serialization failed inside protobuf, an internal error; it is
/// refused in the user's terms first, before anything is written.
/// </summary>
public sealed class DerivedEncoderTests
{
    [Fact]
    public void AnEncoderAboveTheLimitIsRefusedNamingItsSizeAndWhatToDo()
    {
        var model = new OnnxModel(TinyBertBuilder.Build());
        long bytes = model.Graph.Initializers.Sum(v => (long)v.Initializer!.Bytes.Length);
        bool written = false;

        var refused = Assert.Throws<UserInputException>(() =>
            DerivedEncoder.Hold(model, "the student of models/teacher with 2 of its 4 layers", "keep fewer layers", (_, _) => written = true, bytes - 1));

        Assert.StartsWith("the student of models/teacher with 2 of its 4 layers holds 0.00 GB of weights, more than the 0.0 GB a run builds its graphs from in memory; keep fewer layers",
            refused.Message);
        Assert.False(written);
    }

    [Fact]
    public void AnEncoderWithinTheLimitIsHeldAndWrittenAsItWas()
    {
        var model = new OnnxModel(TinyBertBuilder.Build());
        long bytes = model.Graph.Initializers.Sum(v => (long)v.Initializer!.Bytes.Length);
        byte[]? written = null;

        var held = DerivedEncoder.Hold(model, "the encoder", remedy: null, (encoder, _) => written = encoder, bytes);
        held.Write("somewhere");

        Assert.Equal(model.ToBytes(), held.Model);
        // The bytes the graphs were built from, written as they are rather than parsed again to be saved.
        Assert.Same(held.Model, written);
    }
}
