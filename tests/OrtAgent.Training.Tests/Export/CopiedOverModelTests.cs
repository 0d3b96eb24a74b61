using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

/// <summary>
/// A loaded classifier opens <c>explain.onnx</c> on first use, by path, and first checks that the model beside it is
/// still the one it loaded (<see cref="ModelFileStamp"/>). Another model of the same shape copied over the directory
/// the way <c>cp -p</c>, <c>rsync -a</c> or <c>tar x</c> copy (the old write time kept, the same size) passed that
/// check when it compared size and write time only; its <c>explain.onnx</c>, copied along, matched its own digest, so
/// explanations came from the new model while predictions came from the loaded one.
/// </summary>
public sealed class CopiedOverModelTests(ExplainGraphTests.TinyExplainedModel model) : IClassFixture<ExplainGraphTests.TinyExplainedModel>
{
    private const string Text = "I loved this book";
    private static readonly ExplainOptions TwoSteps = new() { Steps = 2 };

    [LinuxFact("elsewhere the stamp is size and write time, as before")]
    public void AModelCopiedOverWithTheOldWriteTimeAndSizeIsSeenAsReplaced()
    {
        var directory = Export(model.Parameters, externalData: false);
        var other = Export(OtherHead(), externalData: false);
        Assert.Equal(new FileInfo(Path.Combine(other, ModelContract.ModelFile)).Length, new FileInfo(Path.Combine(directory, ModelContract.ModelFile)).Length);
        using var loaded = TextClassifier.Load(directory);

        CopyKeepingWriteTimes(other, directory, ModelContract.ModelFile, ModelContract.ExplainModelFile);

        // Only the status-change times moved, as a chmod would, and the explain.onnx that could vouch for the content was
        // copied over too: the content cannot be confirmed, so it is refused.
        var error = Assert.Throws<ModelReplacedException>(() => loaded.Explain(Text, TwoSteps));
        Assert.Contains("since this one was loaded", error.Message);
    }

    /// <summary>The same with the weights in model.onnx.data: model.onnx is the same bytes for both models, the data file is not.</summary>
    [LinuxFact("elsewhere the stamp is size and write time, as before")]
    public void AnExternalDataFileCopiedOverWithTheOldWriteTimeAndSizeIsSeenAsReplaced()
    {
        var directory = Export(model.Parameters, externalData: true);
        var other = Export(OtherHead(), externalData: true);
        Assert.Equal(File.ReadAllBytes(Path.Combine(other, ModelContract.ModelFile)), File.ReadAllBytes(Path.Combine(directory, ModelContract.ModelFile)));
        using var loaded = TextClassifier.Load(directory);

        CopyKeepingWriteTimes(other, directory, ModelContract.ModelFile + ".data", ModelContract.ExplainModelFile);

        var error = Assert.Throws<ModelReplacedException>(() => loaded.Explain(Text, TwoSteps));
        Assert.Contains("since this one was loaded", error.Message);
    }

    /// <summary>
    /// A chmod moves model.onnx's status-change time as a copy does, and was refused as a replacement ("the model there was
    /// replaced since this one was loaded"): the content, which explain.onnx's record vouches for, says it is the same model.
    /// </summary>
    [LinuxFact("elsewhere the stamp is size and write time, which a chmod does not move")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AModelChmodedSinceItWasLoadedStillExplains()
    {
        var directory = Export(model.Parameters, externalData: false);
        var modelPath = Path.Combine(directory, ModelContract.ModelFile);
        using var loaded = TextClassifier.Load(directory);

        WaitForTheFileClockToPass(modelPath);
        File.SetUnixFileMode(modelPath, File.GetUnixFileMode(modelPath) ^ UnixFileMode.GroupWrite);

        Assert.NotEmpty(loaded.Explain(Text, TwoSteps).Words);
        Assert.NotEmpty(loaded.Explain(Text, TwoSteps).Words);
    }

    /// <summary>
    /// As a server checks explain.onnx at load (so the loaded model's digest is taken then), a chmod of the weights' data
    /// file after that is confirmed by that digest, even once explain.onnx itself was chmod'ed too.
    /// </summary>
    [LinuxFact("elsewhere the stamp is size and write time, which a chmod does not move")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void ADataFileChmodedAfterTheServersCheckStillExplains()
    {
        var directory = Export(model.Parameters, externalData: true);
        using var loaded = TextClassifier.Load(directory);
        loaded.CheckExplainer();

        foreach (var name in new[] { ModelContract.ModelFile + ".data", ModelContract.ExplainModelFile })
        {
            var path = Path.Combine(directory, name);
            WaitForTheFileClockToPass(path);
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) ^ UnixFileMode.GroupWrite);
        }

        Assert.NotEmpty(loaded.Explain(Text, TwoSteps).Words);
    }

    /// <summary>
    /// A model of the same shape copied over in place with the old write time kept, after the loaded model's digest was
    /// taken: the status change is confirmed by the content, which differs, so it is still refused as replaced.
    /// </summary>
    [LinuxFact("elsewhere the stamp is size and write time, as before")]
    public void AModelCopiedOverAfterTheServersCheckIsSeenAsReplaced()
    {
        var directory = Export(model.Parameters, externalData: false);
        var other = Export(OtherHead(), externalData: false);
        using var loaded = TextClassifier.Load(directory);
        loaded.CheckExplainer();

        CopyKeepingWriteTimes(other, directory, ModelContract.ModelFile, ModelContract.ExplainModelFile);

        var error = Assert.Throws<ModelReplacedException>(() => loaded.Explain(Text, TwoSteps));
        Assert.Contains("was replaced since this one was loaded", error.Message);
    }

    [Fact]
    public void TheSameModelUntouchedExplains()
    {
        var directory = Export(model.Parameters, externalData: true);
        using var loaded = TextClassifier.Load(directory);
        Assert.NotEmpty(loaded.Explain(Text, TwoSteps).Words);
    }

    private string Export(IReadOnlyList<KeyValuePair<string, TensorData>> parameters, bool externalData)
    {
        var directory = model.NewFolder();
        ModelExporter.Export(model.Artifacts, parameters, new ExportOptions { MaxLength = 32 }, directory);
        if (!externalData) return directory;
        // Every weight external, the classifier's small one too; shape constants stay inline, where shape inference reads them.
        var modelPath = Path.Combine(directory, ModelContract.ModelFile);
        OnnxModel.Load(modelPath).Save(modelPath, new ModelSaveOptions { ExternalData = true, ExternalDataThresholdBytes = 128 });
        ModelExporter.AddExplainGraph(directory);
        return directory;
    }

    private List<KeyValuePair<string, TensorData>> OtherHead() => model.Parameters.Select(p => p.Key == "classifier.weight"
        ? new KeyValuePair<string, TensorData>(p.Key, TensorData.Create<float>(p.Value.Dims, p.Value.ToArray<float>().Select(x => -x).ToArray()))
        : p).ToList();

    /// <summary>Copies each of <paramref name="names"/> over the file of that name in <paramref name="to"/>, and sets its write time back to the old one's.</summary>
    private static void CopyKeepingWriteTimes(string from, string to, params string[] names)
    {
        foreach (var name in names)
        {
            var target = Path.Combine(to, name);
            var written = File.GetLastWriteTimeUtc(target);
            WaitForTheFileClockToPass(target);
            File.Copy(Path.Combine(from, name), target, overwrite: true);
            File.SetLastWriteTimeUtc(target, written);
        }
    }

    /// <summary>
    /// The kernel stamps a file's status change with a coarse clock (a tick of a few milliseconds), so a copy made in the
    /// tick <paramref name="path"/> was last changed in could keep its time, as no copy made by hand can. Waits, for at
    /// most 200 probes, until a file written now is stamped later than <paramref name="path"/>.
    /// </summary>
    private static void WaitForTheFileClockToPass(string path)
    {
        if (UnixStatus.Of(path) is not { } changed) return;
        var probe = path + ".clock";
        for (int i = 0; i < 200; i++)
        {
            File.WriteAllText(probe, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (UnixStatus.Of(probe) is { } now && (now.ChangeTimeSeconds, now.ChangeTimeNanoseconds).CompareTo((changed.ChangeTimeSeconds, changed.ChangeTimeNanoseconds)) > 0) break;
            Thread.Sleep(1);
        }
        File.Delete(probe);
    }
}
