using System.Text.Json;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// <c>predict</c>, <c>eval</c> and <c>serve</c> on a model directory in the Hugging Face layout (config.json with
/// id2label, tokenizer_config.json, vocab.txt, a model.onnx with logits only and no OrtAgent metadata), made from the
/// tiny OrtAgent export: same weights, so every answer must be the export's.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class HuggingFaceLayoutCommandTests : IDisposable
{
    private readonly TinyClassifierFixture _model;
    private readonly TempDirectory _folder = new("hf-commands");
    private readonly string _huggingFace;

    public HuggingFaceLayoutCommandTests(TinyClassifierFixture model)
    {
        _model = model;
        _huggingFace = HuggingFaceLayout.WriteFrom(model.ModelDirectory, _folder.Combine("hf"));
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task PredictGivesTheExportsLabelsAndProbabilities()
    {
        var run = await CliRun.RunAsync(["predict", "--model", _huggingFace, "--json", .. TinyClassifierFixture.Texts]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var export = TextClassifier.Load(_model.ModelDirectory);
        var expected = export.PredictBatch(TinyClassifierFixture.Texts);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(TinyClassifierFixture.Texts.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(expected[i].Label, json.RootElement.GetProperty("label").GetString());
            foreach (var label in TinyClassifierFixture.Labels)
                Assert.Equal(expected[i].Probabilities[label], json.RootElement.GetProperty("probabilities").GetProperty(label).GetSingle(), 1e-6);
        }
    }

    [Fact]
    public async Task EvalGivesTheExportsFigures()
    {
        var data = _folder.Write("test.csv", "text,label\n" + string.Join('\n', TinyClassifierFixture.Texts.Select((t, i) =>
            $"\"{t.Replace("\"", "\"\"")}\",{TinyClassifierFixture.Labels[i % 3]}")) + "\n");

        var export = await CliRun.RunAsync(["eval", "--model", _model.ModelDirectory, "--data", data, "--json"]);
        var huggingFace = await CliRun.RunAsync(["eval", "--model", _huggingFace, "--data", data, "--json"]);

        Assert.True(huggingFace.ExitCode == 0, huggingFace.ToString());
        using var expected = JsonDocument.Parse(export.Output);
        using var actual = JsonDocument.Parse(huggingFace.Output);
        foreach (var figure in new[] { "accuracy", "macro_f1" })
            Assert.Equal(expected.RootElement.GetProperty(figure).GetDouble(), actual.RootElement.GetProperty(figure).GetDouble());
        Assert.Equal(expected.RootElement.GetProperty("confusion_matrix").GetRawText(), actual.RootElement.GetProperty("confusion_matrix").GetRawText());
    }

    [Fact]
    public async Task ServeAnswersAsTheExportDoes()
    {
        await using var server = await ServerUnderTest.StartAsync(_ => ServerUnderTest.Options(_huggingFace));
        using var export = TextClassifier.Load(_model.ModelDirectory);

        foreach (var text in TinyClassifierFixture.Texts.Take(4))
            Assert.Equal(export.Predict(text).Label, await server.PredictTopLabelAsync(text));
        using var info = JsonDocument.Parse(await (await server.GetAsync("/info")).Content.ReadAsStringAsync());
        Assert.Equal(TinyClassifierFixture.Labels, info.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task AMalformedConfigIsOneLineNamingTheFile()
    {
        File.WriteAllText(Path.Combine(_huggingFace, ModelContract.ConfigFile), """{"id2label": [0]}""");

        var run = await CliRun.RunAsync(["predict", "--model", _huggingFace, "good"]);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(Path.Combine(_huggingFace, ModelContract.ConfigFile) + ": has no id2label object", line);
    }
}
