using OrtAgent.Runtime;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// The models training reads (<c>--init-from</c>'s, distillation's teacher) held to their position table as
/// <c>TextClassifier.Load</c> holds them: an export recording a max length of 32 over a table of 16 rows was read
/// unchecked, and the teacher's record became the run's max length, so the first text that long failed inside ONNX
/// Runtime.
/// </summary>
public sealed class RecordedMaxLengthTests : IDisposable
{
    private readonly TempDirectory _directory = new("recorded-max-length");

    public void Dispose() => _directory.Dispose();

    private string Refusal => $"{_directory.Combine("model.onnx")}: 'ortagent.max_length' is 32, longer than the 16 rows of model.onnx's position table, "
        + "the longest sequence the model can run";

    [Fact]
    public void AnInitialModelRecordingMoreThanItsTableIsRefusedInLoadsWords()
    {
        TinyBertClassifier.Write(_directory.Path, recordedMaxLength: 32, new TinyBertOptions { MaxPositions = 16 });

        var error = Assert.Throws<UserInputException>(() => InitialModel.Open(_directory.Path, "TrainJobOptions.InitFrom"));

        // A refusal of the directory, its model.onnx named within it: the facade throws it as InitFrom's InvalidOptionException.
        Assert.Equal($"TrainJobOptions.InitFrom {_directory.Path}: {Refusal[(_directory.Path.Length + 1)..]}", error.Message);
    }

    [Fact]
    public void ATeacherRecordingMoreThanItsTableIsRefusedInLoadsWords()
    {
        TinyBertClassifier.Write(_directory.Path, recordedMaxLength: 32, new TinyBertOptions { MaxPositions = 16 });

        var error = Assert.Throws<UserInputException>(() => TeacherModel.Open(_directory.Path));

        Assert.Equal($"teacher model {Refusal}", error.Message);
    }

    [Fact]
    public void AnInitialModelRecordingItsTablesRowsIsRead()
    {
        TinyBertClassifier.Write(_directory.Path, recordedMaxLength: 16, new TinyBertOptions { MaxPositions = 16 });

        var model = InitialModel.Open(_directory.Path, "TrainJobOptions.InitFrom");

        Assert.Equal(["negative", "positive"], model.Labels);
    }
}
