using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

/// <summary>
/// <see cref="ExplainOptions.Progress"/>: an explanation tells its caller the path points run so far, after the path's
/// ends and after each run of points, and answers the same as without it.
/// </summary>
public sealed class ExplainProgressTests : IDisposable
{
    private readonly TempDirectory _directory = new("explain-progress");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ProgressCountsThePathPointsRunAfterTheEndsAndEachRunAndChangesNothing()
    {
        string model = _directory.Combine("model");
        ToyClassifierModel.Write(model, ToyClassifierModel.Sentiment);
        ModelExporter.AddExplainGraph(model);
        using var classifier = TextClassifier.Load(model);
        var reported = new RecordedProgress();
        // 7 points in runs of at most 3: runs of 3, 3 and 1.
        var quiet = new ExplainOptions { Steps = 7, MaxPointsPerRun = 3 };

        var told = classifier.Explain("the movie was great", new ExplainOptions { Steps = 7, MaxPointsPerRun = 3, Progress = reported });
        var untold = classifier.Explain("the movie was great", quiet);

        Assert.Equal([0, 3, 6, 7], reported.Values);
        Assert.Equal(untold.Words.Select(w => w.Attribution), told.Words.Select(w => w.Attribution));
        Assert.Equal((untold.InputLogit, untold.BaselineLogit, untold.AttributionSum), (told.InputLogit, told.BaselineLogit, told.AttributionSum));
    }

    /// <summary>Records each report as it is made, on the reporting thread (<see cref="Progress{T}"/> would post them to the pool, in any order).</summary>
    private sealed class RecordedProgress : IProgress<int>
    {
        public List<int> Values { get; } = [];

        public void Report(int value) => Values.Add(value);
    }
}
