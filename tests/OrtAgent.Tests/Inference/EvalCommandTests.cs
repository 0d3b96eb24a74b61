using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// <c>ortagent eval</c> on a small labelled file, against figures worked out here from the model's own predictions:
/// the confusion matrix counted by hand, then precision, recall, F1, accuracy and macro-F1 from their definitions.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class EvalCommandTests(TinyClassifierFixture model) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    // Labels assigned to the fixture texts in a fixed cycle, so some predictions are right and some wrong.
    private static readonly string[] TrueLabels = TinyClassifierFixture.Texts.Select((_, i) => TinyClassifierFixture.Labels[i * 7 % 3]).ToArray();

    private string WriteData()
    {
        var path = _folder.Combine("test.jsonl");
        File.WriteAllLines(path, TinyClassifierFixture.Texts.Select((t, i) => JsonSerializer.Serialize(new { sentence = t, category = TrueLabels[i] })));
        return path;
    }

    private string[] PredictFixtureTexts()
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        return TinyClassifierFixture.Texts.Select(t => classifier.Predict(t).Label).ToArray();
    }

    /// <summary>The confusion matrix of the fixture texts at <paramref name="members"/>, counted from the predictions.</summary>
    private static long[,] CountConfusion(string[] predicted, IEnumerable<int> members)
    {
        var labels = TinyClassifierFixture.Labels;
        var confusion = new long[labels.Length, labels.Length];
        foreach (int i in members) confusion[Array.IndexOf(labels, TrueLabels[i]), Array.IndexOf(labels, predicted[i])]++;
        return confusion;
    }

    private static void AssertMatrix(long[,] expected, JsonElement matrix)
    {
        var rows = matrix.EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToArray();
        for (int t = 0; t < expected.GetLength(0); t++)
            for (int p = 0; p < expected.GetLength(1); p++)
                Assert.Equal(expected[t, p], rows[t][p]);
    }

    /// <summary>Examples longer than the model reads were cut without a word; one stderr line counts them, stdout's JSON is unchanged.</summary>
    [Fact]
    public async Task ExamplesCutAtTheMaxLengthAreCountedOnStderr()
    {
        var data = _folder.Combine("long.csv");
        string label = TinyClassifierFixture.Labels[0];
        File.WriteAllText(data, $"text,label\ngood,{label}\n{string.Join(' ', Enumerable.Repeat("the movie was great", 20))},{label}\n");

        var run = await CliRun.RunAsync(["eval", "--model", model.ModelDirectory, "--data", data, "--json"],
            configureServices: services => services.AddSingleton<TimeProvider>(new ManualClock()));

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(2, json.RootElement.GetProperty("examples").GetInt64());
        Assert.Equal("1 of 2 texts was longer than 32 tokens, the model's maximum length, and was cut to its first 32", run.ErrorLines[^1]);
    }

    [Fact]
    public async Task JsonMatchesFiguresComputedByHandFromTheModelsPredictions()
    {
        string[] predicted = PredictFixtureTexts();
        var labels = TinyClassifierFixture.Labels;
        var confusion = CountConfusion(predicted, Enumerable.Range(0, predicted.Length));

        // A clock that stands still: the progress lines cannot depend on how busy the machine is.
        var run = await CliRun.RunAsync(["eval", "--model", model.ModelDirectory, "--data", WriteData(), "--json", "--batch-size", "5"],
            configureServices: services => services.AddSingleton<TimeProvider>(new ManualClock()));

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var root = json.RootElement;
        Assert.Equal(12, root.GetProperty("examples").GetInt64());
        // Output that is not a terminal gets plain progress lines on stderr, without a logger's prefix.
        Assert.Equal(2, run.ErrorLines.Length);
        Assert.Equal("eval test.jsonl: 0/12", run.ErrorLines[0]);
        Assert.Equal("eval test.jsonl: done, 12 in 0.0 s", run.ErrorLines[1]);
        Assert.Equal(labels, root.GetProperty("labels").EnumerateArray().Select(e => e.GetString()));
        AssertMatrix(confusion, root.GetProperty("confusion_matrix"));

        double correct = Enumerable.Range(0, predicted.Length).Count(i => predicted[i] == TrueLabels[i]);
        Assert.Equal(correct / predicted.Length, root.GetProperty("accuracy").GetDouble(), 1e-12);
        var f1s = new List<double>();
        var perClass = root.GetProperty("per_class").EnumerateArray().ToArray();
        for (int c = 0; c < 3; c++)
        {
            double tp = confusion[c, c];
            double predictedAsC = Enumerable.Range(0, 3).Sum(t => confusion[t, c]);
            double actuallyC = Enumerable.Range(0, 3).Sum(p => confusion[c, p]);
            double precision = predictedAsC == 0 ? 0 : tp / predictedAsC;
            double recall = actuallyC == 0 ? 0 : tp / actuallyC;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1s.Add(f1);
            Assert.Equal(labels[c], perClass[c].GetProperty("label").GetString());
            Assert.Equal(precision, perClass[c].GetProperty("precision").GetDouble(), 1e-12);
            Assert.Equal(recall, perClass[c].GetProperty("recall").GetDouble(), 1e-12);
            Assert.Equal(f1, perClass[c].GetProperty("f1").GetDouble(), 1e-12);
            Assert.Equal((long)actuallyC, perClass[c].GetProperty("support").GetInt64());
        }
        Assert.Equal(f1s.Average(), root.GetProperty("macro_f1").GetDouble(), 1e-12);
    }

    // Each fixture text's source: two named groups and, for every fifth text, none.
    private static string SourceOf(int i) => i % 5 == 4 ? "" : i % 2 == 0 ? "news" : "forum";

    private string WriteDataWithSources()
    {
        var path = _folder.Combine("test.csv");
        File.WriteAllLines(path, ["text,label,source", .. TinyClassifierFixture.Texts.Select((t, i) => $"\"{t.Replace("\"", "\"\"")}\",{TrueLabels[i]},{SourceOf(i)}")]);
        return path;
    }

    [Fact]
    public async Task JsonByScoresEachValueOfTheColumnFromItsOwnExamples()
    {
        string[] predicted = PredictFixtureTexts();

        var run = await CliRun.RunAsync(["eval", "--model", model.ModelDirectory, "--data", WriteDataWithSources(), "--by", "source", "--json", "--batch-size", "5"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        var groups = json.RootElement.GetProperty("groups").EnumerateArray().ToArray();
        Assert.Equal(["", "forum", "news"], groups.Select(g => g.GetProperty("group").GetString()));
        long examples = 0;
        foreach (var group in groups)
        {
            string source = group.GetProperty("group").GetString()!;
            int[] members = Enumerable.Range(0, predicted.Length).Where(i => SourceOf(i) == source).ToArray();
            AssertMatrix(CountConfusion(predicted, members), group.GetProperty("confusion_matrix"));
            Assert.Equal(members.Length, group.GetProperty("examples").GetInt64());
            Assert.Equal((double)members.Count(i => predicted[i] == TrueLabels[i]) / members.Length, group.GetProperty("accuracy").GetDouble(), 1e-12);
            examples += members.Length;
        }
        Assert.Equal(json.RootElement.GetProperty("examples").GetInt64(), examples);
    }

    [Fact]
    public async Task ErrorsJsonLinesHoldExactlyTheMisclassifiedExamplesWithLineLabelsAndGroup()
    {
        string[] predicted = PredictFixtureTexts();
        var errors = _folder.Combine("errors.jsonl");

        var run = await CliRun.RunAsync(["eval", "-m", model.ModelDirectory, "-d", WriteDataWithSources(), "--by", "source", "--errors", errors]);

        Assert.True(run.ExitCode == 0, run.ToString());
        int[] wrong = Enumerable.Range(0, predicted.Length).Where(i => predicted[i] != TrueLabels[i]).ToArray();
        Assert.NotEmpty(wrong);
        Assert.Contains($"wrote {wrong.Length} misclassified examples to {errors}", run.Output);
        var rows = File.ReadAllLines(errors).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(wrong.Select(i => (long)i + 2), rows.Select(r => r.GetProperty("line").GetInt64()));   // line 1 is the header
        foreach (var (row, i) in rows.Zip(wrong))
        {
            Assert.Equal(TinyClassifierFixture.Texts[i], row.GetProperty("text").GetString());
            Assert.Equal(TrueLabels[i], row.GetProperty("label").GetString());
            Assert.Equal(predicted[i], row.GetProperty("predicted").GetString());
            Assert.Equal(SourceOf(i), row.GetProperty("group").GetString());
            Assert.Equal(row.GetProperty("score").GetDouble(), row.GetProperty("probabilities").GetProperty(predicted[i]).GetDouble(), 1e-6);
        }
        Assert.Empty(Directory.GetFiles(_folder.Path, ".errors*"));
    }

    [Fact]
    public async Task ErrorsCsvHasAHeaderAndOneRowPerMisclassifiedExample()
    {
        string[] predicted = PredictFixtureTexts();
        var errors = _folder.Combine("errors.csv");

        var run = await CliRun.RunAsync(["eval", "-m", model.ModelDirectory, "-d", WriteData(), "--errors", errors, "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(Path.GetFullPath(errors), json.RootElement.GetProperty("errors_file").GetString());
        var rows = PlainCsv.Read(errors);
        Assert.Equal(["line", "text", "label", "predicted", "score"], rows[0]);
        int[] wrong = Enumerable.Range(0, predicted.Length).Where(i => predicted[i] != TrueLabels[i]).ToArray();
        // The data file is JSON Lines, one example per line from line 1.
        Assert.Equal(wrong.Select(i => new[] { (i + 1).ToString(), TinyClassifierFixture.Texts[i], TrueLabels[i], predicted[i] }), rows.Skip(1).Select(r => r[..4]));
    }

    /// <summary>--errors P.tsv was refused; it holds the .csv's columns, tab-separated, and the TSV reader reads it back.</summary>
    [Fact]
    public async Task ErrorsTsvHoldsTheCsvsColumnsAndReadsBack()
    {
        string[] predicted = PredictFixtureTexts();
        var errors = _folder.Combine("errors.tsv");

        var run = await CliRun.RunAsync(["eval", "-m", model.ModelDirectory, "-d", WriteDataWithSources(), "--by", "source", "--errors", errors]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("line\ttext\tlabel\tpredicted\tscore\tsource", File.ReadLines(errors).First());
        int[] wrong = Enumerable.Range(0, predicted.Length).Where(i => predicted[i] != TrueLabels[i]).ToArray();
        Assert.NotEmpty(wrong);
        var read = UnlabeledTextFile.Open(errors);
        Assert.Equal(
            wrong.Select(i => new[] { (i + 2).ToString(CultureInfo.InvariantCulture), TinyClassifierFixture.Texts[i], TrueLabels[i], predicted[i] }),
            read.ReadRows().Select(r => r.Fields.Take(4).Select(f => f.Text).ToArray()));
        Assert.Equal(wrong.Select(SourceOf), read.ReadRows().Select(r => r.Fields[5].Text));
    }

    [Fact]
    public async Task ErrorsCancelledLeavesNoFile()
    {
        var data = WriteData();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var run = await CliRun.RunAsync(["eval", "-m", model.ModelDirectory, "-d", data, "--errors", _folder.Combine("errors.csv")], cancelled.Token);

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Equal([data], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public async Task JsonWithoutByHasNoGroups()
    {
        var run = await CliRun.RunAsync(["eval", "--model", model.ModelDirectory, "--data", WriteDataWithSources(), "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Output);
        Assert.False(json.RootElement.TryGetProperty("groups", out _));
    }

    /// <summary>Empty values and the literal text "(blank)" made two rows both named (blank); the JSON told them apart, the table did not.</summary>
    [Fact]
    public async Task TheLiteralTextBlankIsARowApartFromTheEmptyValues()
    {
        var path = _folder.Combine("blank.csv");
        File.WriteAllLines(path, ["text,label,source", "good,pos,", "bad,neg,(blank)", "fine,pos,(blank)"]);

        var run = await CliRun.RunAsync(["eval", "-m", model.ModelDirectory, "-d", path, "--by", "source"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var names = run.Output.Split('\n').Where(r => r.Contains('│') && r.Contains("(blank)"))
            .Select(r => r.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[0]).ToHashSet();
        Assert.Equal(new HashSet<string> { "(blank)", "'(blank)'" }, names);
    }

    [Fact]
    public async Task TablesByAddOneRowPerGroupWithItsErrorsAndWhatItWasCalled()
    {
        string[] predicted = PredictFixtureTexts();

        var run = await CliRun.RunAsync(["eval", "-m", model.ModelDirectory, "-d", WriteDataWithSources(), "--by", "source"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("By source", run.Output);
        Assert.Contains("Wrong", run.Output);
        foreach (var label in TinyClassifierFixture.Labels) Assert.Contains($"called {label}", run.Output);
        var rows = run.Output.Split('\n');
        foreach (var (name, source) in new[] { ("(blank)", ""), ("forum", "forum"), ("news", "news") })
        {
            int[] members = Enumerable.Range(0, predicted.Length).Where(i => SourceOf(i) == source).ToArray();
            int wrong = members.Count(i => predicted[i] != TrueLabels[i]);
            var cells = Assert.Single(rows, r => r.Contains($" {name} ")).Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal([name, members.Length.ToString(), wrong.ToString()], cells[..3]);
            Assert.Equal(TinyClassifierFixture.Labels.Select(l => members.Count(i => predicted[i] == l).ToString()), cells[^3..]);
        }
    }

    [Fact]
    public async Task TablesShowTheSummaryPerClassScoresAndConfusionMatrix()
    {
        var run = await CliRun.RunAsync(["eval", "-m", model.ModelDirectory, "-d", WriteData()]);

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var heading in new[] { "Accuracy", "Macro-F1", "Precision", "Recall", "Support", "Confusion matrix" })
            Assert.Contains(heading, run.Output);
        var rows = run.Output.Split('\n');
        Assert.Contains(rows, r => r.Contains("12") && r.Contains("test.jsonl"));
        foreach (var label in TinyClassifierFixture.Labels) Assert.Contains(rows, r => r.Contains(label));
    }
}
