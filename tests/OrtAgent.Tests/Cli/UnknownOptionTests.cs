using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

/// <summary>
/// A flag the command does not take says what was likely meant; the parser's own line
/// (<c>unrecognized command or argument '--output'</c>) left the user to guess.
/// </summary>
public sealed class UnknownOptionTests
{
    [Theory]
    [InlineData("--output: not an option of eval; it writes with --errors FILE (the misclassified rows) or --json; see 'ortagent eval --help'",
        "eval", "-m", "model", "-d", "data.csv", "--output", "report.csv")]
    [InlineData("--output: not an option of eval; it writes with --errors FILE (the misclassified rows) or --json; see 'ortagent eval --help'",
        "eval", "-m", "model", "-d", "data.csv", "--output=report.csv")]
    [InlineData("--epocs: not an option of train; did you mean --epochs; see 'ortagent train --help'",
        "train", "--data", "d.csv", "--epocs", "3")]
    [InlineData("--verbos: not an option of train; did you mean --verbose; see 'ortagent train --help'",
        "train", "--data", "d.csv", "--verbos")]
    // Two letters swapped are one slip, not two changes: a six-letter flag is allowed one.
    [InlineData("--jsno: not an option of eval; did you mean --json; see 'ortagent eval --help'",
        "eval", "-m", "model", "-d", "data.csv", "--jsno")]
    [InlineData("--epochs: not an option of eval; train, distill take it; see 'ortagent eval --help'",
        "eval", "-m", "model", "-d", "data.csv", "--epochs", "3")]
    // The roots are options of the commands that keep files under them only: export read --artifacts-root and ignored it.
    [InlineData("--artifacts-root: not an option of export; train, distill take it; see 'ortagent export --help'",
        "export", "--artifacts-root", "artifacts", "--checkpoint", "t1", "--output", "m")]
    [InlineData("--models-root: not an option of eval; train, artifacts, models, serve, mcp take it; see 'ortagent eval --help'",
        "eval", "-m", "model", "-d", "data.csv", "--models-root", "models")]
    // Before the command's name it was every command's option; now it goes where the command's options go.
    [InlineData("--models-root: an option of models list, so it goes after 'models list' (ortagent models list --models-root …); see 'ortagent models list --help'",
        "--models-root", "m", "models", "list")]
    public async Task AnUnknownFlagSaysWhatWasLikelyMeant(string line, params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {line}", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// models pull's name took a flag it does not take as any word: it was looked up as a model ('unknown base model
    /// --bogus'), or the name after it was the unrecognized word. The flag is named as on every other command.
    /// </summary>
    [Theory]
    [InlineData("--bogus: not an option of models pull; see 'ortagent models pull --help'", "models", "pull", "--bogus", "minilm")]
    [InlineData("--bogus: not an option of models pull; see 'ortagent models pull --help'", "models", "pull", "--bogus")]
    [InlineData("--bogus: not an option of models pull; see 'ortagent models pull --help'", "models", "pull", "minilm", "--bogus")]
    [InlineData("--artifacts-root: not an option of models pull; train, distill take it; see 'ortagent models pull --help'",
        "models", "pull", "--artifacts-root", "--models-root", "models")]
    [InlineData("arctic-xs: models pull takes one model's name, and it was minilm; see 'ortagent models pull --help'",
        "models", "pull", "minilm", "arctic-xs")]
    // After "--" a word is no flag: it is a second name, which was called an option pull does not take.
    [InlineData("--bogus: models pull takes one model's name, and it was minilm; see 'ortagent models pull --help'",
        "models", "pull", "minilm", "--", "--bogus")]
    [InlineData("--bogus: not an option of models pull; see 'ortagent models pull --help'", "models", "pull", "--bogus", "--", "minilm")]
    public async Task AFlagModelsPullDoesNotTakeIsNamedNotPulled(string line, params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {line}", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// A flag near nothing any command takes is named as no option of the command, with no guess, which would mislead:
    /// the parser's "unrecognized command or argument" read as if it might be a command, and differed from the line of a
    /// flag with a hint.
    /// </summary>
    [Fact]
    public async Task AFlagNearNothingIsNamedAsNoOptionWithoutAGuess()
    {
        var run = await CliRun.RunAsync(["train", "--data", "d.csv", "--frobnicate"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: --frobnicate: not an option of train; see 'ortagent train --help'", Assert.Single(run.ErrorLines));
    }
}
