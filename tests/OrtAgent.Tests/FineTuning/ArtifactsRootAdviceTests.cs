using OrtAgent.Data;
using OrtAgent.FineTuning;
using OrtAgent.Runtime;

namespace OrtAgent.Tests.FineTuning;

/// <summary>
/// A run's artifacts root that cannot be written ends its refusal with "give --artifacts-root a folder you can write
/// in" on the command line only: a service job's client has no such flag, and was told to give it.
/// </summary>
public sealed class ArtifactsRootAdviceTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheFlagIsAdvisedOnlyWhereItApplies(bool optionApplies)
    {
        var root = _work.Combine("root");
        File.WriteAllText(root, "keep");
        var artifacts = Path.Combine(root, "m");

        var error = Assert.Throws<UserInputException>(() => TrainingDestinations.CheckThenClaimIfResuming(_work.Combine("models", "m"), artifacts, "--artifacts-root",
            resumeFrom: null, dataPath: null, validationPath: null, new LabeledTextFileOptions(), seed: 42, artifactsRootOptionApplies: optionApplies));

        Assert.Equal($"artifacts directory {artifacts} (--artifacts-root): '{root}' is a file, not a directory"
            + (optionApplies ? "; give --artifacts-root a folder you can write in" : ""), error.Message);
    }
}
