using System.Diagnostics;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Examples;

/// <summary>
/// examples/train-classifier as a user runs it, on a tiny base model: it trains on the CSV shipped beside it through
/// TextClassifierTrainer, exports, and prints a prediction of the exported model for each text.
/// </summary>
public sealed class TrainClassifierAppTests : IDisposable
{
    private readonly TempDirectory _work = new("train-classifier-app");
    private readonly IsolatedChildProcess _app = new(IsolatedChildProcess.TrainClassifierAssemblyPath);

    public void Dispose()
    {
        _app.Dispose();
        _work.Dispose();
    }

    private string[] Args(params string[] texts)
    {
        var baseModel = _work.Combine("base");
        if (!Directory.Exists(baseModel)) TinyBertBuilder.WriteBaseModel(baseModel);
        return ["--base", baseModel, "--output", _work.Combine("model"), "--artifacts", _work.Combine("artifacts"), .. texts];
    }

    [Fact]
    public void TrainsOnItsCsvAndPrintsTheExportedModelsLabelForEachText()
    {
        var run = _app.Run(Args("the service was great", "refund my order"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Training on 36 examples (billing 12, praise 12, technical 12) from ", run.Output);
        Assert.Contains("Method: contrastive (auto: the smallest class has 11 training examples, fewer than 64)", run.Output);
        var lines = run.Output.TrimEnd('\n').Split('\n')[^2..];
        using var model = TextClassifier.Load(_work.Combine("model"));
        Assert.Equal(["billing", "praise", "technical"], model.Labels);
        var expected = model.PredictBatch(["the service was great", "refund my order"]);
        Assert.Equal(expected.Select((p, i) => $"{p.Label}\t{p.Score.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}\t{(i == 0 ? "the service was great" : "refund my order")}"), lines);
    }

    [Fact]
    public void AMissingDataFileIsOneErrorLineAndExitCodeTwo()
    {
        var run = _app.Run([.. Args(), "--data", _work.Combine("none.csv")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {_work.Combine("none.csv")}: file not found\n", run.Error);
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    /// <summary>
    /// Its own switches named in its errors: a missing --base was "TextClassifierTrainingOptions.BaseModel = '…'", the
    /// library's name for it, though the app translated --replace and the column switches.
    /// </summary>
    [Theory]
    [InlineData("--base")]
    [InlineData("--output")]
    public void AWrongDirectoryIsNamedByTheAppsSwitch(string option)
    {
        string wrong = option == "--base" ? _work.Combine("no-base") : _work.Combine("model-file");
        if (option == "--output") File.WriteAllText(wrong, "a file\n");
        var run = _app.Run([.. Args(), option, wrong]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: {option} '{wrong}': ", run.Error);
        Assert.DoesNotContain("TextClassifierTrainingOptions", run.Error);
        Assert.Equal(1, run.Error.Count(c => c == '\n'));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--base", "models/base/minilm", "--help")]
    public void HelpAnywhereGoesToStandardOutputEndingInANewline(params string[] args)
    {
        var run = _app.Run(args);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("usage: train-classifier ", run.Output);
        Assert.EndsWith("130: stopped.\n", run.Output);
        Assert.Empty(run.Error);
    }

    /// <summary>The app reads its data with LabeledTextFile.Read: a file in another encoding is refused, not trained on as U+FFFD.</summary>
    [Fact]
    public void DataSavedAsLatin1IsRefusedNamingTheLineAndByte()
    {
        var latin1 = _work.Combine("latin1.tsv");
        File.WriteAllBytes(latin1, System.Text.Encoding.Latin1.GetBytes("label\ttext\nyes\tfine\nno\tCafé au lait\n"));

        var run = _app.Run([.. Args(), "--data", latin1]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: {latin1} line 3: byte 0xE9 after ", run.Error);
        Assert.Contains("Caf\" is not UTF-8", run.Error);
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    [Fact]
    public void AColumnTheFileLacksIsRefusedNamingTheAppsOption()
    {
        var run = _app.Run([.. Args(), "--text-column", "body"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("messages.csv line 1: ", run.Error);
        Assert.Contains("'body'", run.Error);
        Assert.Contains("--text-column", run.Error);
        Assert.DoesNotContain("LabeledTextFileOptions", run.Error);
    }

    /// <summary>The library's refusal to resume a run on other labels says to pass --replace, the app's switch for ExistingRun.Replace, which then starts over.</summary>
    [Fact]
    public void OtherDataInTheSameArtifactsIsRefusedNamingReplaceWhichStartsANewRun()
    {
        Assert.Equal(0, _app.Run(Args()).ExitCode);
        var other = _work.Combine("other.csv");
        File.WriteAllLines(other, ["text,label", .. Enumerable.Range(0, 8).Select(i => $"message {i},{(i % 2 == 0 ? "yes" : "no")}")]);

        var refused = _app.Run([.. Args(), "--data", other]);
        var replaced = _app.Run([.. Args(), "--data", other, "--replace"]);

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("train with what it has, or pass --replace to start a new run there", refused.Error);
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        using var model = TextClassifier.Load(_work.Combine("model"));
        Assert.Equal(["no", "yes"], model.Labels);
    }

    /// <summary>Stopped with --replace, the app said "the same command resumes", but the same command starts over again.</summary>
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task StoppedWithReplaceItSaysTheCommandWithoutReplaceResumes()
    {
        var start = _app.StartInfo([.. Args(), "--replace"]);
        // SIGINT at its default, as a terminal's Ctrl+C finds it: a suite run in the background has it ignored.
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, "--default-signal=INT");
        start.FileName = "env";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        bool signalled = false;
        while (await process.StandardOutput.ReadLineAsync(limit.Token) is string line)
        {
            output.AppendLine(line);
            if (signalled || !line.StartsWith("Training on ", StringComparison.Ordinal)) continue;
            signalled = true;
            IsolatedChildProcess.Signal(process, 2);
        }
        await process.WaitForExitAsync(limit.Token);

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        Assert.Equal($"stopped; a checkpoint is in {_work.Combine("artifacts")}, and the same command without --replace resumes from it (with --replace it starts over)\n",
            await stderr);
    }
}
