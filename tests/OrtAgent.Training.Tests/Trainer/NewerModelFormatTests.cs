using OrtAgent.Runtime;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// The models training reads (<c>--init-from</c>'s, distillation's teacher) refuse a newer OrtAgent's model by its
/// format, as <c>TextClassifier.Load</c> does, before their graph is parsed: a newer graph OrtAgent.Onnx could not parse
/// was refused as "not a readable ONNX model", with no word of the build that reads it.
/// </summary>
public sealed class NewerModelFormatTests : IDisposable
{
    private readonly TempDirectory _directory = new("newer-model-format");

    public NewerModelFormatTests() => NewerFormatModel.Write(_directory.Path);

    public void Dispose() => _directory.Dispose();

    private string Refusal => NewerFormatModel.Refusal(_directory.Combine(ModelContract.ModelFile));

    [Fact]
    public void AnInitialModelOfANewerFormatIsRefusedByItsFormat()
    {
        var error = Assert.Throws<UserInputException>(() => InitialModel.Open(_directory.Path, "TrainJobOptions.InitFrom"));

        // A refusal of the directory, its model.onnx named within it: the facade throws it as InitFrom's InvalidOptionException.
        Assert.Equal($"TrainJobOptions.InitFrom {_directory.Path}: {Refusal[(_directory.Path.Length + 1)..]}", error.Message);
    }

    [Fact]
    public void ATeacherOfANewerFormatIsRefusedByItsFormatEvenWithoutAVocabulary()
    {
        File.Delete(_directory.Combine(ModelContract.VocabularyFile));

        var error = Assert.Throws<UserInputException>(() => TeacherModel.Open(_directory.Path));

        Assert.Equal($"teacher model {Refusal}", error.Message);
    }
}
