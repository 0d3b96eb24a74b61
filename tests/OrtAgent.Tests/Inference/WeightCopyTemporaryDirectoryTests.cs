using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// A model whose weights are in <c>model.onnx.data</c> is served from a private copy in the temporary directory. A
/// <c>TMPDIR</c> that cannot hold one (missing, a file) was an internal error (exit 1) naming no path; it is the
/// environment's mistake, told in one line naming the directory and the variable, and the directory is not created.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WeightCopyTemporaryDirectoryTests : IDisposable
{
    private readonly TempDirectory _work = new("weight-copy-tmpdir");
    private readonly string _model;

    public WeightCopyTemporaryDirectoryTests()
    {
        _model = _work.Combine("model");
        ToyClassifierModel.Write(_model, ToyClassifierModel.Sentiment);
        var modelPath = Path.Combine(_model, ModelContract.ModelFile);
        OnnxModel.Load(modelPath).Save(modelPath, new ModelSaveOptions { ExternalData = true, ExternalDataThresholdBytes = 16 });
    }

    public void Dispose() => _work.Dispose();

    [UnixTheory("Windows opens external data in place, with no copy")]
    [InlineData("missing", "no such directory")]
    [InlineData("file", "it is a file, not a directory")]
    public async Task ATemporaryDirectoryThatCannotHoldTheCopyIsNamedInOneLine(string kind, string reason)
    {
        var temporary = _work.Combine("tmp-" + kind);
        if (kind == "file") File.WriteAllText(temporary, "");

        var run = await new OrtAgentProcess { Environment = { ["TMPDIR"] = temporary } }
            .RunAsync(["predict", "--model", _model, "good"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Equal($"error: {Path.Combine(_model, ModelContract.ModelFile)}: its weights (model.onnx.data) are served from a private copy "
            + $"in the temporary directory, {temporary}/, which cannot hold one: {reason}; set TMPDIR to a writable directory", line);
        Assert.Equal(kind == "file", File.Exists(temporary));
        Assert.False(Directory.Exists(temporary));
    }
}
