using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// A run or model whose labels are in an order of their own (<c>artifacts --labels positive negative</c>, the C# facade's
/// <c>Labels</c>) trains on data with exactly those labels, numbered in its order: <c>train --resume</c>,
/// <c>train --init-from</c> and <c>distill --teacher</c> refused such data as other labels, comparing it with the data's
/// labels sorted. Data with another set is refused, naming whose labels it lacks.
/// </summary>
public sealed class LabelOrderTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static async Task<CliRun> SucceedsAsync(string[] args)
    {
        var run = await CliRun.RunAsync(args);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    private static void AssertLabels(string model, string[] expected)
    {
        using var classifier = TextClassifier.Load(model);
        Assert.Equal(expected, classifier.Info.Labels);
    }

    [Fact]
    public async Task ARunAModelAndATeacherWithLabelsInTheirOwnOrderTrainOnDataWithTheSameLabelsInThatOrder()
    {
        string artifacts = _work.Combine("artifacts", "gen"), model = _work.Combine("models", "gen");
        await SucceedsAsync(["artifacts", "--base", tiny.BaseModel, "--labels", "positive", "negative", "--output", artifacts]);

        var resumed = await SucceedsAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, "--output", model, "--epochs", "1"));
        Assert.Contains("labels (training/validation): positive ", resumed.Output);
        AssertLabels(model, ["positive", "negative"]);

        string fromModel = _work.Combine("models", "from-model");
        await SucceedsAsync(tiny.TrainArgs(_work.Path, "--init-from", model, "--output", fromModel, "--epochs", "1"));
        AssertLabels(fromModel, ["positive", "negative"]);

        string student = _work.Combine("models", "student");
        await SucceedsAsync(["distill", "--teacher", model, "--layers", "1", "--data", tiny.TrainCsv, "--epochs", "1", "--min-steps", "0", "--batch-size", "8",
            "--output", student, "--artifacts-root", _work.Combine("artifacts")]);
        AssertLabels(student, ["positive", "negative"]);
    }

    /// <summary>Data with other labels is refused naming whose labels they are: a resumed run's were called "the model's".</summary>
    [Fact]
    public async Task DataWithOtherLabelsIsRefusedNamingTheRunOrTheModel()
    {
        string other = _work.Combine("other.csv");
        File.WriteAllText(other, "text,label\n" + string.Concat(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? "good movie,happy\n" : "bad movie,sad\n")));
        string artifacts = _work.Combine("artifacts", "gen");
        await SucceedsAsync(["artifacts", "--base", tiny.BaseModel, "--labels", "positive", "negative", "--output", artifacts]);

        var refused = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, "--data", other, "--epochs", "1"));

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Equal($"error: {other}: labels 'happy', 'sad' differ from the run in {artifacts}'s 'positive', 'negative'", Assert.Single(refused.ErrorLines));
    }
}
