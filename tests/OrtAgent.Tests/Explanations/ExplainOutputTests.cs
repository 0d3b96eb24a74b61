using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Tests.Inference;
using OrtAgent.Tests.Infrastructure;
using Spectre.Console;

namespace OrtAgent.Tests.Explanations;

/// <summary>
/// What <c>explain</c> writes where: the markers whenever no colour is written, the stderr line for texts cut at the
/// model's maximum length, and each text's explanation as soon as it is made.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class ExplainOutputTests(TinyClassifierFixture model) : IDisposable
{
    private const string CutLine = "1 of 2 texts was longer than 32 tokens, the model's maximum length, and was cut to its first 32";

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    // Longer than the tiny model's 32 tokens: one token a word.
    private static string LongText => string.Join(' ', Enumerable.Repeat("great", 60));

    /// <summary>
    /// A terminal without ANSI escapes (<c>TERM=dumb</c>) reports a colour system all the same: the words were written
    /// with neither colours, which Spectre writes only as escapes, nor the markers that stand for them.
    /// </summary>
    [Fact]
    public async Task ATerminalWithoutAnsiGetsTheMarkers()
    {
        using var terminal = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(terminal),
        });

        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "4", "the movie was great"],
            configureServices: services => services.AddSingleton(console));

        Assert.True(run.ExitCode == 0, run.ToString());
        // The header may wrap at the console's width; the text's line is the one with its words.
        string marked = Assert.Single(terminal.ToString().Split('\n'),
            line => line.Contains("movie", StringComparison.Ordinal) && !line.StartsWith("for:", StringComparison.Ordinal) && !line.StartsWith("against:", StringComparison.Ordinal));
        Assert.Matches(@"\[(\+\+[^\]]+\+\+|-[^\]]+-)\]", marked);
        Assert.False(terminal.ToString().Contains("\u001b[", StringComparison.Ordinal), terminal.ToString().Replace("\u001b", "ESC"));
    }

    /// <summary>
    /// A text cut at the model's maximum length was said only in the text's own line (and by <c>--json</c>'s
    /// <c>truncated</c>); stderr, where predict and eval count the cut texts, said nothing. It says it in every form.
    /// </summary>
    [Theory]
    [InlineData("plain")]
    [InlineData("json")]
    [InlineData("html")]
    public async Task ACutTextIsCountedOnStderrAsPredictCountsIt(string form)
    {
        string page = _folder.Combine("why.html");
        string[] output = form switch { "json" => ["--json"], "html" => ["--html", page], _ => [] };

        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "2", .. output, LongText, "short and fine"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([CutLine], run.ErrorLines);
        if (form == "html") Assert.Contains("(cut at the model's maximum length)", File.ReadAllText(page));
    }

    [Fact]
    public async Task NoCutTextNoLine()
    {
        var run = await CliRun.RunAsync(["explain", "--model", model.ModelDirectory, "--steps", "2", "short and fine"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
    }

    /// <summary>
    /// Every explanation was written once all were made (seconds each): a stop after the first lost it with the rest.
    /// Stopped as the first is written, the run exits 130 with that one on stdout, whole.
    /// </summary>
    [Theory]
    [InlineData(false, "for: ")]
    [InlineData(true, "\"truncated\"")]
    public async Task EachExplanationIsWrittenAsItIsMadeSoAStopKeepsThoseBeforeIt(bool json, string trigger)
    {
        string[] texts = ["the movie was great", "boring film", "the plot was fine", "awful acting"];

        var run = await CliRun.RunCancelledOnAsync(["explain", "--model", model.ModelDirectory, "--steps", "2", .. json ? ["--json"] : Array.Empty<string>(), .. texts], trigger);

        Assert.True(run.ExitCode == 130, run.ToString());
        if (json)
        {
            using var first = JsonDocument.Parse(Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            Assert.Equal(texts[0], first.RootElement.GetProperty("text").GetString());
        }
        else
        {
            var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length is 3 or 4, run.ToString());   // header, text, for: (and against:, when written before the stop was seen)
            Assert.Equal(texts[0], System.Text.RegularExpressions.Regex.Replace(lines[1], @"\[(\+\+|\+|-)(.*?)\1\]", "$2"));
        }
        Assert.Equal("cancelled", run.ErrorLines[^1]);
    }
}
