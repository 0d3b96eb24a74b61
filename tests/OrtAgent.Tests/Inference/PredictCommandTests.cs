using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary><c>ortagent predict</c> end to end, in process, on the tiny exported model.</summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class PredictCommandTests(TinyClassifierFixture model) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private IReadOnlyList<Prediction> Expected(IReadOnlyList<string> texts)
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        return classifier.PredictBatch(texts);
    }

    [Fact]
    public async Task TextsPrintLabelTabScorePerLine()
    {
        string[] texts = ["the movie was great", "terrible service, never again!"];
        var run = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, .. texts]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = Expected(texts);
        Assert.Equal(expected.Select(p => $"{p.Label}\t{p.Score.ToString("F4", CultureInfo.InvariantCulture)}"),
            run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", run.Error);
    }

    /// <summary>
    /// Every line was written once all texts were classified: a stop lost them all (exit 130, stdout empty). Each batch's
    /// lines are written when it is done; stopped as the first is written, the first batch's lines are kept, whole.
    /// </summary>
    [Fact]
    public async Task EachBatchIsWrittenWhenItIsDoneSoAStopKeepsThoseBeforeIt()
    {
        string[] texts = ["the movie was great", "terrible service, never again!", "the plot was fine", "awful acting"];

        var run = await CliRun.RunCancelledOnAsync(["predict", "--model", model.ModelDirectory, "--batch-size", "2", .. texts], "\t");

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Equal(Expected(texts[..2]).Select(p => $"{p.Label}\t{p.Score.ToString("F4", CultureInfo.InvariantCulture)}"),
            run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["cancelled"], run.ErrorLines);
    }

    [Fact]
    public async Task JsonPrintsOneObjectPerTextWithEveryProbability()
    {
        string[] texts = ["I loved this book", "café \"quoted\" <b>"];
        var run = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--json", "--batch-size", "1", .. texts]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("café", lines[1]); // readable, not \u-escaped
        var expected = Expected(texts);
        for (int i = 0; i < 2; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var root = json.RootElement;
            Assert.Equal(texts[i], root.GetProperty("text").GetString());
            Assert.Equal(expected[i].Label, root.GetProperty("label").GetString());
            // Batches of one pad nothing, so the figures may differ from the batched expectation in the last bits.
            Assert.Equal(expected[i].Score, root.GetProperty("score").GetSingle(), 1e-6);
            foreach (var label in TinyClassifierFixture.Labels)
                Assert.Equal(expected[i].Probabilities[label], root.GetProperty("probabilities").GetProperty(label).GetSingle(), 1e-6);
        }
    }

    /// <summary>
    /// A text longer than the model reads was cut without a word: --json rows say it (truncated), and one stderr line
    /// counts the texts cut; stdout is otherwise as before.
    /// </summary>
    [Fact]
    public async Task JsonSaysWhichTextsWereCutAndStderrCountsThem()
    {
        string[] texts = ["good", string.Join(' ', Enumerable.Repeat("the movie was great", 20)), "bad"];
        var run = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--json", .. texts]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([false, true, false], lines.Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(["text", "label", "score", "probabilities", "truncated"], json.RootElement.EnumerateObject().Select(p => p.Name));
            return json.RootElement.GetProperty("truncated").GetBoolean();
        }));
        Assert.Equal(["1 of 3 texts was longer than 32 tokens, the model's maximum length, and was cut to its first 32"], run.ErrorLines);

        var plain = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, .. texts]);
        Assert.Equal(3, plain.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(run.ErrorLines, plain.ErrorLines);
    }

    /// <summary>A file's texts cut at the model's maximum length are counted on stderr after the file is written.</summary>
    [Fact]
    public async Task AFileWithLongTextsCountsTheCutOnesOnStderr()
    {
        var input = _folder.Combine("in.csv");
        string longText = string.Join(' ', Enumerable.Repeat("terrible service", 30));
        File.WriteAllText(input, $"text\ngood\n{longText}\n{longText}\n");
        var output = _folder.Combine("out.jsonl");

        var run = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--input", input, "--output", output]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("2 of 3 texts were longer than 32 tokens, the model's maximum length, and were cut to their first 32", run.ErrorLines[^1]);
        Assert.Equal([false, true, true], File.ReadAllLines(output).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.GetProperty("truncated").GetBoolean();
        }));
    }

    /// <summary>
    /// U+2028, U+2029 and U+0085 were written as they are, so Python's str.splitlines() read 4 lines for 2 rows; they are
    /// escaped (a text's, and a JSON Lines input's raw values), while accents and quotes stay readable.
    /// </summary>
    [Fact]
    public async Task JsonOutputEscapesTheLineBreaksLineReadersSplitAt()
    {
        string[] texts = ["good\u2028film", "café \"bad\"\u0085\u2029"];
        var run = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--json", .. texts]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(run.Output, c => c is '\u2028' or '\u2029' or '\u0085');
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("""good\u2028film""", lines[0]);
        Assert.Contains("""café \"bad\"\u0085\u2029""", lines[1]);
        Assert.Equal(texts, lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()));

        var input = _folder.Combine("in.jsonl");
        File.WriteAllText(input, "{\"id\": \"a\u2028b\", \"text\": \"great\u0085movie\"}\n", new System.Text.UTF8Encoding(false));
        var output = _folder.Combine("out.jsonl");
        var file = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--input", input, "--output", output]);

        Assert.True(file.ExitCode == 0, file.ToString());
        string written = File.ReadAllText(output);
        Assert.DoesNotContain(written, c => c is '\u2028' or '\u2029' or '\u0085');
        using var row = JsonDocument.Parse(Assert.Single(written.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("a\u2028b", row.RootElement.GetProperty("id").GetString());
        Assert.Equal("great\u0085movie", row.RootElement.GetProperty("text").GetString());
    }

    // The most probable labels of a prediction, highest first, ties in label order, as --top should print them.
    private static (string Label, float Score)[] Ranked(Prediction prediction, int k) =>
        [.. TinyClassifierFixture.Labels.Select(label => (label, prediction.Probabilities[label])).OrderByDescending(p => p.Item2).Take(k)];

    /// <summary>With many labels, --json listed every probability in label order and the user had to sort them.</summary>
    [Fact]
    public async Task TopGivesTheMostProbableLabelsHighestFirstInTextAndJson()
    {
        string[] texts = ["the movie was great", "terrible service, never again!"];
        var expected = Expected(texts);

        var plain = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--top", "2", .. texts]);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal(expected.Select(p => string.Join('\t', Ranked(p, 2).Select(r => $"{r.Label}\t{r.Score.ToString("F4", CultureInfo.InvariantCulture)}"))),
            plain.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var json = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--json", "--top", "2", .. texts]);
        Assert.True(json.ExitCode == 0, json.ToString());
        var lines = json.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < texts.Length; i++)
        {
            using var row = JsonDocument.Parse(lines[i]);
            Assert.Equal(expected[i].Label, row.RootElement.GetProperty("label").GetString());
            var probabilities = row.RootElement.GetProperty("probabilities").EnumerateObject().Select(p => (p.Name, p.Value.GetSingle())).ToArray();
            Assert.Equal(Ranked(expected[i], 2).Select(r => r.Label), probabilities.Select(p => p.Name));
            Assert.Equal(Ranked(expected[i], 2).Select(r => r.Score), probabilities.Select(p => p.Item2));
        }
    }

    /// <summary>--top in a file's predictions: label_2, score_2, ... after label and score in CSV; the top ones in JSON Lines.</summary>
    [Fact]
    public async Task TopAddsTheNextLabelsToEveryRowOfAnOutputFile()
    {
        string[] texts = ["the movie was great", "terrible service"];
        var input = _folder.Combine("in.csv");
        File.WriteAllText(input, $"id,text\n1,{texts[0]}\n2,{texts[1]}\n");
        var expected = Expected(texts);

        var csv = _folder.Combine("out.csv");
        var run = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--input", input, "--output", csv, "--top", "3"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var rows = File.ReadAllLines(csv);
        Assert.Equal("id,text,label,score,label_2,score_2,label_3,score_3", rows[0]);
        for (int i = 0; i < texts.Length; i++)
        {
            var fields = rows[i + 1].Split(',');
            Assert.Equal(Ranked(expected[i], 3).Select(r => r.Label), [fields[2], fields[4], fields[6]]);
            Assert.Equal(Ranked(expected[i], 3).Select(r => r.Score), new[] { fields[3], fields[5], fields[7] }.Select(f => float.Parse(f, CultureInfo.InvariantCulture)));
        }

        var jsonl = _folder.Combine("out.jsonl");
        run = await CliRun.RunAsync(["predict", "--model", model.ModelDirectory, "--input", input, "--output", jsonl, "--top", "1"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected.Select(p => p.Label), File.ReadAllLines(jsonl).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return Assert.Single(row.RootElement.GetProperty("probabilities").EnumerateObject()).Name;
        }));
    }

    [Fact]
    public async Task InputToCsvRoundTripsEveryTextWithTheClassifiersAnswer()
    {
        // Labels are optional in the input: this file has none, and a text holds a comma, quotes and a line break.
        string[] texts = [.. TinyClassifierFixture.Texts, "a \"quoted\" word, and\na second line"];
        var input = _folder.Combine("in.jsonl");
        File.WriteAllLines(input, texts.Select(t => JsonSerializer.Serialize(new { id = 1, text = t })));
        var output = _folder.Combine("out.csv");

        // A clock that stands still: the progress lines cannot depend on how busy the machine is.
        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "--input", input, "--output", output, "--batch-size", "5"],
            configureServices: services => services.AddSingleton<TimeProvider>(new ManualClock()));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"wrote {texts.Length} predictions to {output}", run.Output);
        // Output that is not a terminal gets plain progress lines on stderr, without a logger's prefix.
        Assert.Equal(2, run.ErrorLines.Length);
        Assert.Equal($"predict in.jsonl: 0/{texts.Length}", run.ErrorLines[0]);
        Assert.Equal($"predict in.jsonl: done, {texts.Length} in 0.0 s", run.ErrorLines[1]);
        var rows = PlainCsv.Read(output);
        Assert.Equal(["id", "text", "label", "score"], rows[0]);
        var expected = Expected(texts);
        Assert.Equal(texts.Length, rows.Count - 1);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(["1", texts[i]], rows[i + 1][..2]);
            Assert.Equal(expected[i].Label, rows[i + 1][2]);
            Assert.Equal(expected[i].Score, float.Parse(rows[i + 1][3], CultureInfo.InvariantCulture));
        }
        Assert.Equal(new[] { input, output }.Order(StringComparer.Ordinal), Directory.GetFiles(_folder.Path).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// .tsv was refused as an output though it is read as input. It holds the .csv's columns, tab-separated and unquoted
    /// as the TSV reader takes them (quotes are text), so the reader reads every field back as it was.
    /// </summary>
    [Fact]
    public async Task InputToTsvRoundTripsThroughTheTsvReader()
    {
        string[] texts = ["the movie was great", "a \"quoted\" word, and a comma", "\"opens with a quote", " spaces around ", "it's 'single' \\ backslash"];
        var input = _folder.Combine("in.jsonl");
        File.WriteAllLines(input, texts.Select((t, i) => JsonSerializer.Serialize(new { id = i, text = t, note = (string?)null })));
        var output = _folder.Combine("out.tsv");

        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "-i", input, "-o", output, "--batch-size", "2"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("id\ttext\tnote\tlabel\tscore", File.ReadLines(output).First());
        var read = UnlabeledTextFile.Open(output);
        Assert.Equal(["id", "text", "note", "label", "score"], read.Columns);
        var rows = read.ReadRows().ToArray();
        var expected = Expected(texts);
        Assert.Equal(texts.Length, rows.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(texts[i], rows[i].Text);
            Assert.Equal([i.ToString(CultureInfo.InvariantCulture), texts[i], "", expected[i].Label], rows[i].Fields.Take(4).Select(f => f.Text));
            // Batches of two pad differently from the one expected batch: the last bits may differ.
            Assert.Equal(expected[i].Score, float.Parse(rows[i].Fields[4].Text, CultureInfo.InvariantCulture), 1e-6);
        }
    }

    [Fact]
    public async Task LabelledTsvToJsonLinesKeepsTheLabelsBesideThePredictedOnes()
    {
        var input = _folder.Combine("in.tsv");
        File.WriteAllText(input, "label\tbody\npos\tthe movie was great\nneg\tboring film\n");
        var output = _folder.Combine("out.jsonl");

        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "-i", input, "-o", output, "--text-column", "body"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = File.ReadAllLines(output);
        var expected = Expected(["the movie was great", "boring film"]);
        Assert.Equal(2, lines.Length);
        for (int i = 0; i < 2; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(i == 0 ? "pos" : "neg", json.RootElement.GetProperty("label").GetString());
            Assert.Equal(expected[i].Label, json.RootElement.GetProperty("predicted_label").GetString());
        }
    }

    /// <summary>--json with --input was dropped: the file came out as text,label,score with no probabilities.</summary>
    [Fact]
    public async Task JsonWithAnInputFileIsRefusedNamingTheFormatThatHasTheProbabilities()
    {
        var input = _folder.Combine("in.csv");
        File.WriteAllText(input, "text\ngood\n");
        var output = _folder.Combine("out.csv");

        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "-i", input, "-o", output, "--json"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: --json applies to texts given as arguments; with --input the format follows --output's extension (.jsonl has every label's probability)",
            Assert.Single(run.ErrorLines));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task AnExistingOutputIsReplacedWhole()
    {
        var input = _folder.Combine("in.csv");
        File.WriteAllText(input, "text\ngood\n");
        var output = _folder.Combine("out.csv");
        File.WriteAllText(output, "old content that is longer than the new file will be, old content, old content\n");

        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "-i", input, "-o", output]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, File.ReadAllLines(output).Length);
        Assert.DoesNotContain("old", File.ReadAllText(output));
    }

    /// <summary>A legal file name of 253 bytes failed: its temporary, <c>.NAME.tmp-PID</c>, was longer than a name may be.</summary>
    [Fact]
    public async Task AnOutputFileWithTheLongestLegalNameIsWritten()
    {
        var input = _folder.Combine("in.csv");
        File.WriteAllText(input, "text\ngood\n");
        var output = _folder.Combine(new string('p', 247) + ".jsonl");

        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "-i", input, "-o", output]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(File.ReadAllLines(output));
        Assert.Equal([input, output], Directory.GetFiles(_folder.Path).Order());
    }

    [Fact]
    public async Task CancelledLeavesNoOutputAndNoTemporaryFile()
    {
        var input = _folder.Combine("in.csv");
        File.WriteAllLines(input, ["text", .. TinyClassifierFixture.Texts.Where(t => !t.Contains(','))]);
        var output = _folder.Combine("out.csv");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "-i", input, "-o", output], cancelled.Token);

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Equal([input], Directory.GetFiles(_folder.Path));
    }

    /// <summary>The closing line says each count with its noun in the number it has: "(1 texts/s)" was written.</summary>
    [Theory]
    [InlineData(1, 1.0, "wrote 1 prediction to out.csv in 1.0 s (1 text/s)")]
    [InlineData(3, 1.0, "wrote 3 predictions to out.csv in 1.0 s (3 texts/s)")]
    [InlineData(1, 4.0, "wrote 1 prediction to out.csv in 4.0 s (0 texts/s)")]
    public void TheClosingLineCountsInTheRightNumber(long texts, double seconds, string line) =>
        Assert.Equal(line, OrtAgent.Commands.Inference.PredictCommand.WroteLine(texts, "out.csv", TimeSpan.FromSeconds(seconds)));
}

