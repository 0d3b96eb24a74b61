using System.Globalization;
using System.Text.Json;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// <c>predict --input … --output …</c> keeps every column of the input, in order, before the prediction's own, so
/// predictions join back to their rows; the prediction's columns take <c>predicted_</c> before their names when the
/// input already uses them. Before 2026-12-05 the output held text, label and score alone.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class PredictionColumnsTests(TinyClassifierFixture model) : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private IReadOnlyList<Prediction> Expected(params string[] texts)
    {
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        return classifier.PredictBatch(texts);
    }

    private async Task<string> Predict(string inputName, string content, string outputName, params string[] options)
    {
        var input = _folder.Write(inputName, content);
        var output = _folder.Combine(outputName);
        var run = await CliRun.RunAsync(["predict", "-m", model.ModelDirectory, "-i", input, "-o", output, .. options]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(new[] { input, output }.Order(StringComparer.Ordinal), Directory.GetFiles(_folder.Path).Order(StringComparer.Ordinal));
        return output;
    }

    private static string Score(Prediction prediction) => prediction.Score.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A CSV output writes no truncated column, so an input's own "truncated" leaves the prediction's names plain, as
    /// before that column existed (it made them predicted_label and predicted_score, a reader found).
    /// </summary>
    [Fact]
    public async Task AnInputsTruncatedColumnRenamesNothingInACsv()
    {
        var output = await Predict("cut.csv", "text,truncated\ngreat film,yes\n", "cut-out.csv");

        var expected = Expected("great film");
        Assert.Equal([["text", "truncated", "label", "score"], ["great film", "yes", expected[0].Label, Score(expected[0])]], PlainCsv.Read(output));
    }

    [Fact]
    public async Task TsvToCsvKeepsEveryColumnInOrderThenLabelAndScore()
    {
        // A TSV field's quotes are text, which the CSV must quote; the text column is the second of three.
        var output = await Predict("tickets.tsv", "id\tbody\tqueue\n17\tthe \"movie\" was great\tbilling\n18\tboring film\t\n",
            "p2.csv", "--text-column", "body");

        var expected = Expected("the \"movie\" was great", "boring film");
        Assert.Equal(
            [
                ["id", "body", "queue", "label", "score"],
                ["17", "the \"movie\" was great", "billing", expected[0].Label, Score(expected[0])],
                ["18", "boring film", "", expected[1].Label, Score(expected[1])],
            ],
            PlainCsv.Read(output));
    }

    [Fact]
    public async Task CsvToJsonLinesKeepsEveryColumnAsAStringBeforeThePrediction()
    {
        var output = await Predict("in.csv", "review,id,stars\n\"good, really\",7,5\n", "out.jsonl");

        using var json = JsonDocument.Parse(Assert.Single(File.ReadAllLines(output)));
        var expected = Expected("good, really")[0];
        Assert.Equal(["review", "id", "stars", "label", "score", "probabilities", "truncated"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("good, really", json.RootElement.GetProperty("review").GetString());
        Assert.Equal("7", json.RootElement.GetProperty("id").GetString());
        Assert.Equal("5", json.RootElement.GetProperty("stars").GetString());
        Assert.Equal(expected.Label, json.RootElement.GetProperty("label").GetString());
        Assert.Equal(expected.Score, json.RootElement.GetProperty("score").GetSingle());
        Assert.Equal(TinyClassifierFixture.Labels, json.RootElement.GetProperty("probabilities").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task JsonLinesToJsonLinesCopiesEachObjectsPropertiesAsWritten()
    {
        // Values keep their JSON types, nested ones included; each object keeps its own properties and their order.
        var output = await Predict("in.jsonl",
            "{\"id\": 1, \"meta\": {\"source\": \"web\", \"tags\": [1, 2]}, \"text\": \"good\", \"note\": null}\n" +
            "\n" +
            "{\"text\": \"boring film\", \"id\": 2.5, \"flag\": true}\n",
            "out.jsonl");

        var lines = File.ReadAllLines(output);
        Assert.Equal(2, lines.Length);
        var expected = Expected("good", "boring film");
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal(["id", "meta", "text", "note", "label", "score", "probabilities", "truncated"], first.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, first.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("{\"source\": \"web\", \"tags\": [1, 2]}", first.RootElement.GetProperty("meta").GetRawText());
        Assert.Equal(JsonValueKind.Null, first.RootElement.GetProperty("note").ValueKind);
        Assert.Equal(expected[0].Label, first.RootElement.GetProperty("label").GetString());
        Assert.Equal(["text", "id", "flag", "label", "score", "probabilities", "truncated"], second.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2.5, second.RootElement.GetProperty("id").GetDouble());
        Assert.True(second.RootElement.GetProperty("flag").GetBoolean());
        Assert.Equal(expected[1].Label, second.RootElement.GetProperty("label").GetString());
    }

    [Fact]
    public async Task JsonLinesToCsvHasAColumnForEveryPropertyOfAnyObject()
    {
        // The header lists the properties in the order they first appear; an object without one leaves its field empty.
        var output = await Predict("in.jsonl",
            "{\"id\": 1, \"text\": \"good\", \"note\": null}\n" +
            "{\"text\": \"boring film\", \"id\": 2, \"meta\": {\"a\": \"b, c\"}}\n",
            "out.csv");

        var expected = Expected("good", "boring film");
        Assert.Equal(
            [
                ["id", "text", "note", "meta", "label", "score"],
                ["1", "good", "", "", expected[0].Label, Score(expected[0])],
                ["2", "boring film", "", "{\"a\": \"b, c\"}", expected[1].Label, Score(expected[1])],
            ],
            PlainCsv.Read(output));
    }

    [Fact]
    public async Task AChatFileKeepsItsMessagesBesideThePrediction()
    {
        const string messages = "[{\"role\": \"user\", \"content\": \"good\"}, {\"role\": \"assistant\", \"content\": \"pos\"}]";
        var output = await Predict("chat.jsonl", $"{{\"messages\": {messages}, \"id\": \"a\"}}\n", "out.csv");

        var expected = Expected("good")[0];
        Assert.Equal([["messages", "id", "label", "score"], [messages, "a", expected.Label, Score(expected)]], PlainCsv.Read(output));
    }

    [Fact]
    public async Task AnInputLabelColumnStaysAndThePredictionsColumnsArePrefixed()
    {
        // Any case: "Label" and "label" side by side would read as one column in many tools.
        var output = await Predict("test.csv", "text,Label\nthe movie was great,pos\n", "out.csv");

        var expected = Expected("the movie was great")[0];
        Assert.Equal(
            [["text", "Label", "predicted_label", "predicted_score"], ["the movie was great", "pos", expected.Label, Score(expected)]],
            PlainCsv.Read(output));
    }

    [Fact]
    public async Task AScorePropertyPrefixesThePredictionsPropertiesInJsonLines()
    {
        var output = await Predict("in.jsonl", "{\"text\": \"good\"}\n{\"text\": \"boring film\", \"score\": 4}\n", "out.jsonl");

        var lines = File.ReadAllLines(output);
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        // The second object's score names the prediction's properties in every line, as a CSV header would.
        Assert.Equal(["text", "predicted_label", "predicted_score", "predicted_probabilities", "predicted_truncated"], first.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["text", "score", "predicted_label", "predicted_score", "predicted_probabilities", "predicted_truncated"], second.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, second.RootElement.GetProperty("score").GetInt32());
        Assert.Equal(Expected("boring film")[0].Score, second.RootElement.GetProperty("predicted_score").GetSingle());
    }
}
