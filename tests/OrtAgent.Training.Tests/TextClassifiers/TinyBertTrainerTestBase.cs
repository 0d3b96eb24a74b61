using OrtAgent.Data;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// What the facade's option tests share: a tiny BERT base in a folder of their own, options that train it into that
/// folder, the sample reviews, and the check that a refused call wrote neither artifacts nor an output.
/// </summary>
public abstract class TinyBertTrainerTestBase : IDisposable
{
    private protected readonly TempDirectory _root;
    private protected readonly string _base;

    private protected TinyBertTrainerTestBase(string folderName)
    {
        _root = new TempDirectory(folderName);
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose()
    {
        _root.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected TextClassifierTrainingOptions Options(string name, TrainingMethod method = TrainingMethod.Auto) =>
        TextClassifierTrainerTests.Options(_base, _root, name, method);

    private protected static LabeledExample[] Reviews(int perLabel, int seed) => TextClassifierTrainerTests.Reviews(perLabel, seed);

    private protected void AssertNothingWritten()
    {
        Assert.False(Directory.Exists(_root.Combine("artifacts")), "the artifacts root was created");
        Assert.False(Directory.Exists(_root.Combine("models")), "the output root was created");
    }
}
