using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>export --checkpoint</c> of a run stopped before its first evaluation: --help promises the best evaluated
/// parameters, and the run has none, so its latest went out said only in the model card. It says so in a warning line.
/// </summary>
public sealed class ExportBeforeEvaluationTests : IDisposable
{
    private readonly TempDirectory _work = new();
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose()
    {
        _tiny.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task ARunNotYetEvaluatedExportsItsLatestParametersWithAWarning()
    {
        var stopped = await CliRun.RunCancelledOnAsync(_tiny.TrainArgs(_work.Path, "--epochs", "2"), "epoch 1 step ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.DoesNotContain("eval epoch", stopped.Output);
        string artifacts = _work.Combine("artifacts", "m");

        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", _work.Combine("models", "early"), "--no-explain"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Matches($"^warning: {System.Text.RegularExpressions.Regex.Escape(artifacts)} has made no evaluation yet, so its latest parameters \\(step [1-9][0-9]*\\) are exported, not the best evaluated ones$",
            Assert.Single(export.ErrorLines));
    }
}
