using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuning;

/// <summary>
/// A <c>--promote-to</c> directory holding a newer OrtAgent's model is refused, before training, by the model's format:
/// the incumbent's description was read from its parsed graph, so a graph this build cannot parse was refused as "not
/// an ONNX model", with no word of the build that reads it.
/// </summary>
public sealed class PromotionOfANewerModelTests : IDisposable
{
    private readonly TempDirectory _directory = new("promote-newer");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ANewerIncumbentIsRefusedByItsFormat()
    {
        NewerFormatModel.Write(_directory.Path);

        var error = Assert.Throws<UserInputException>(() => ModelPromotion.CheckDestination(_directory.Path));

        Assert.Equal($"--promote-to {_directory.Path}: {NewerFormatModel.Refusal(_directory.Combine(ModelContract.ModelFile))}", error.Message);
    }
}
