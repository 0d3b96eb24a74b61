using OrtAgent.Onnx;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A loaded model whose weights are in <c>model.onnx.data</c> keeps classifying with the weights it was loaded with when
/// that file is rewritten or truncated in place. ONNX Runtime maps the file: before, a copy over it changed the scores
/// with no reload, and a truncation killed the process with SIGBUS on the next prediction.
/// </summary>
public sealed class ExternalDataTests : IDisposable
{
    private static readonly string[] Texts = ["The movie was GREAT", "bad", "good good bad"];

    private readonly TempDirectory _directory = new("external-data");
    private readonly string _dataPath;

    public ExternalDataTests()
    {
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);
        var modelPath = _directory.Combine(ModelContract.ModelFile);
        // Every weight external: the toy's tensors are small.
        OnnxModel.Load(modelPath).Save(modelPath, new ModelSaveOptions { ExternalData = true, ExternalDataThresholdBytes = 16 });
        _dataPath = modelPath + ".data";
        Assert.True(new FileInfo(_dataPath).Length > 0);
    }

    public void Dispose() => _directory.Dispose();

    [UnixFact("Windows refuses a write to a file that a loaded model maps")]
    public void WeightsRewrittenInPlaceDoNotChangeTheLoadedModelsScores()
    {
        using var classifier = TextClassifier.Load(_directory.Path);
        var before = classifier.PredictBatch(Texts);

        // In place, as cp writes over an existing file: the same inode, other bytes.
        using (var data = new FileStream(_dataPath, FileMode.Open, FileAccess.Write))
            data.Write(new byte[data.Length]);

        AssertSameScores(before, classifier.PredictBatch(Texts));
    }

    [UnixFact("Windows refuses a write to a file that a loaded model maps")]
    public void WeightsTruncatedUnderTheLoadedModelDoNotStopIt()
    {
        using var classifier = TextClassifier.Load(_directory.Path);
        var before = classifier.PredictBatch(Texts);

        new FileStream(_dataPath, FileMode.Truncate, FileAccess.Write).Dispose();

        AssertSameScores(before, classifier.PredictBatch(Texts));
    }

    /// <summary>
    /// A FIFO in the data file's place passed File.Exists and the copy opened it, waiting for a writer: the load hung
    /// with nothing said. It is refused as a FIFO in model.onnx's place is, and so is a directory.
    /// </summary>
    [UnixTheory("mkfifo")]
    [InlineData(NotARegularFile.Fifo, "is not a regular file (a FIFO)")]
    [InlineData(NotARegularFile.Directory, "is a directory")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AWeightsFileThatIsNoRegularFileIsRefusedNamingIt(string kind, string what)
    {
        File.Delete(_dataPath);
        using var notAFile = NotARegularFile.Create(_dataPath, kind);

        var load = Task.Run(() => TextClassifier.Load(_directory.Path));

        Assert.True(await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))) == load, "the load is still waiting on the data file");
        var error = await Assert.ThrowsAsync<ModelLoadException>(() => load);
        Assert.Equal($"{_dataPath}: {what}; a model's model.onnx.data is a file", error.Message);
    }

    /// <summary>A copy a killed process left in the temporary directory is removed at the next load that copies.</summary>
    [UnixFact("Windows opens external data in place, with no copy")]
    public void ALoadRemovesTheCopyAProcessThatNoLongerRunsLeft()
    {
        var leftover = Path.Combine(Path.GetTempPath(), $"ortagent-weights-2147483600-1-{Guid.NewGuid():N}");
        Directory.CreateDirectory(leftover);
        File.WriteAllBytes(Path.Combine(leftover, "model.onnx.data"), new byte[16]);
        try
        {
            using var classifier = TextClassifier.Load(_directory.Path);

            Assert.False(Directory.Exists(leftover));
        }
        finally
        {
            if (Directory.Exists(leftover)) Directory.Delete(leftover, recursive: true);
        }
    }

    private static void AssertSameScores(IReadOnlyList<Prediction> expected, IReadOnlyList<Prediction> actual)
    {
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            Assert.Equal(expected[i].Probabilities, actual[i].Probabilities);
        }
    }
}
