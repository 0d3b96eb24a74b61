using System.Diagnostics;
using System.Globalization;
using OrtAgent.Runtime;
using OrtAgent.Tests.Inference;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Examples;

/// <summary>
/// examples/edge-predict as a user runs it. The app is built with invariant globalization (no ICU), as trimmed and
/// container builds often are, so it also shows that tokenizing needs no ICU: accented text scores there as it does in
/// this process, which has ICU.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class EdgeAppTests(TinyClassifierFixture model) : IDisposable
{
    private readonly TempDirectory _work = new();
    private readonly IsolatedChildProcess _app = new(IsolatedChildProcess.EdgePredictAssemblyPath);

    public void Dispose()
    {
        _app.Dispose();
        _work.Dispose();
    }

    [Fact]
    public void AccentedTextScoresAsItDoesInAProcessWithIcu()
    {
        // The tiny vocabulary spells "great" and "food" only once their accents are stripped.
        string[] texts = ["the fóod was greát", "CAFÉ NAÏVE", "the movie\u0301 was gre\u0301at", "한국어 good", "ﬁne Ångström"];
        using var classifier = TextClassifier.Load(model.ModelDirectory);
        var expected = classifier.PredictBatch(texts).Select(p => $"{p.Label}\t{p.Score.ToString("F4", CultureInfo.InvariantCulture)}");

        var run = _app.Run([model.ModelDirectory, .. texts]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(expected, run.Output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void ATextBeginningWithADashGoesAfterTheDoubleDash()
    {
        var run = _app.Run(model.ModelDirectory, "--", "-5 stars, never again");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^(neg|neu|pos)\t\d\.\d{4}\n$", run.Output);
    }

    [Theory]
    [InlineData("", "text 1 of 2 is empty; there is nothing to classify")]
    [InlineData("   ", "text 1 of 2 is only whitespace; there is nothing to classify")]
    // Only characters the tokenizer drops: before, PredictBatch's "texts[0] has nothing to classify: …".
    [InlineData("\u200B\u00AD", "text 1 of 2 has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B, U+00AD)")]
    [InlineData("--json", "unknown option '--json' (the only option is --help); a text that begins with '-' goes after \"--\"")]
    public void AMistakeInTheTextsIsOneErrorLineAndExitCodeTwo(string text, string message)
    {
        var run = _app.Run(model.ModelDirectory, text, "the movie was great");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {message}", run.Error.Split('\n')[0]);
        Assert.Empty(run.Output);
    }

    /// <summary>Another model's vocab.txt (longer), and a partial copy's (cut short).</summary>
    [Theory]
    [InlineData(40, "is it another model's\\?")]
    [InlineData(-40, "is it a partial copy, or another model's\\?")]
    public void AModelDirectoryThatCannotBeLoadedIsOneErrorLineAndExitCodeTwo(int moreTokens, string question)
    {
        var copy = model.CopyModelTo(_work.Combine("other-vocabulary"));
        var vocabulary = Path.Combine(copy, "vocab.txt");
        var tokens = File.ReadAllLines(vocabulary);
        File.WriteAllLines(vocabulary, moreTokens > 0 ? [.. tokens, .. Enumerable.Range(0, moreTokens).Select(i => $"extra{i}")] : tokens[..^-moreTokens]);

        var run = _app.Run(copy, "the movie was great");

        Assert.Equal(2, run.ExitCode);
        Assert.Matches($@"^error: .*vocab\.txt: holds {tokens.Length + moreTokens} tokens, and model\.onnx was trained with {tokens.Length}; {question}\n$", run.Error);
    }

    [Theory]
    [InlineData("error: --runtime win-x64: expected linux-x64 or linux-arm64", "--runtime", "win-x64")]
    [InlineData("error: unknown option '--bogus'", "--bogus")]
    [InlineData("error: one OUTPUT_DIR only, got 'a' and 'b'", "a", "b")]
    public async Task PublishRefusesArgumentsItCannotUseBeforeBuilding(string message, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[Path.Combine(IsolatedChildProcess.RepositoryRoot, "examples", "edge-predict", "publish.sh"), .. args])
            start.ArgumentList.Add(arg);
        using var publish = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await publish.StandardError.ReadToEndAsync(timeout.Token);
        await publish.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, publish.ExitCode);
        Assert.Equal(message, error.Split('\n')[0]);
    }

    /// <summary>After the model directory too, where it was "unknown option '--help' (the only option is --help)"; the usage ends in a newline.</summary>
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("MODEL", "--help")]
    public void HelpGoesToStandardOutputWithExitCodeZero(params string[] args)
    {
        var run = _app.Run(args.Select(arg => arg == "MODEL" ? model.ModelDirectory : arg).ToArray());

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("usage: edge-predict MODEL_DIR", run.Output);
        Assert.EndsWith("a mistake in the arguments or the model directory.\n", run.Output);
        Assert.Empty(run.Error);
    }

    /// <summary>After "--", --help is a text to classify.</summary>
    [Fact]
    public void HelpAfterTheDoubleDashIsAText()
    {
        var run = _app.Run(model.ModelDirectory, "--", "--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^(neg|neu|pos)\t\d\.\d{4}\n$", run.Output);
    }
}
