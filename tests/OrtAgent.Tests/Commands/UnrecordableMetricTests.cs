using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// A validation metric that is not a number cannot be recorded in a model's JSON metadata. The validation loss is one
/// when every validation example is of a class weighted 0 (--class-weights NAME=0): the weighted mean divides 0 by 0.
/// Such a model is exported without that metric, and a warning line names it.
/// </summary>
public sealed class UnrecordableMetricTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// train refused the export after the whole run ("ExportOptions.Metrics = NaN: …", an option the user never gave),
    /// and export --checkpoint left the metric out without a word.
    /// </summary>
    [Fact]
    public async Task ANaNValidationLossIsLeftOutOfTheExportedModelWithAWarningNamingIt()
    {
        var validation = _work.Combine("validation.csv");
        File.WriteAllLines(validation, File.ReadAllLines(tiny.TestCsv).Where((line, i) => i == 0 || line.EndsWith(",negative", StringComparison.Ordinal)));
        const string Warning = "warning: the validation metric 'loss' is NaN, which the model's metadata cannot record; the model is exported without it";

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--validation", validation, "--class-weights", "negative=0"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("eval epoch 1 step 10: loss NaN", run.Output);
        // On stderr, where a successful run's warnings are (it was on stdout until 2026-12-07).
        Assert.Single(run.ErrorLines, line => line.TrimEnd('\r') == Warning);
        Assert.DoesNotContain(Warning, run.Output);
        using (var model = TextClassifier.Load(_work.Combine("models", "m")))
            Assert.Equal(["accuracy", "macro_f1"], model.Info.Metrics.Keys.Order());
        Assert.DoesNotContain("| loss |", File.ReadAllText(_work.Combine("models", "m", "README.md")));

        var again = _work.Combine("models", "again");
        var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", again, "--no-explain"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Single(export.ErrorLines, line => line.TrimEnd('\r') == Warning);
        Assert.DoesNotContain(Warning, export.Output);
        using (var exported = TextClassifier.Load(again))
            Assert.Equal(["accuracy", "macro_f1"], exported.Info.Metrics.Keys.Order());
    }
}
