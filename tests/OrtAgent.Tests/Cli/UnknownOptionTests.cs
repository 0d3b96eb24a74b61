using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Cli;
using OrtAgent.Commands;
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
    // With no command, the parser's first line was "required command was not provided", naming nothing typed.
    [InlineData("--versio: not an option of ortagent; did you mean --version; see 'ortagent --help'", "--versio")]
    [InlineData("--bogus: not an option of ortagent; see 'ortagent --help'", "--bogus")]
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
    /// pull let the parser pass words it did not match so that it could name them itself, which made its --help offer
    /// "additional arguments passed to the application" that it then refused.
    /// </summary>
    [Fact]
    public async Task ModelsPullHelpOffersOnlyTheName()
    {
        var run = await CliRun.RunAsync(["models", "pull", "--help"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("models pull <name> [options]", run.Output);
        Assert.DoesNotContain("additional arguments", run.Output, StringComparison.OrdinalIgnoreCase);
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

    /// <summary>
    /// predict and explain took a mistyped flag as a text and said only <c>option '--model' is required</c>, the flag
    /// the mistake left out; every command names the flag first, with the close spelling it missed.
    /// </summary>
    [Fact]
    public async Task EveryCommandNamesAMistypedFlagBeforeWhatItLeftMissing()
    {
        var commands = LeafCommands().ToList();
        Assert.Contains("predict", commands);
        Assert.Contains("models pull", commands);

        foreach (var command in commands)
        {
            var run = await CliRun.RunAsync([.. command.Split(' '), "--modle", "m", "text"]);

            Assert.True(run.ExitCode == 2, $"{command}: {run}");
            Assert.StartsWith($"error: --modle: not an option of {command}", Assert.Single(run.ErrorLines));
        }
    }

    [Theory]
    [InlineData("predict", "--modle: not an option of predict (see its --help); did you mean --model; a text that begins with '-' goes after \"--\"")]
    [InlineData("explain", "--modle: not an option of explain (see its --help); did you mean --model; a text that begins with '-' goes after \"--\"")]
    public async Task AMistypedModelFlagIsNamedWithItsSpelling(string command, string line)
    {
        var run = await CliRun.RunAsync([command, "--modle", "m", "x"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {line}", Assert.Single(run.ErrorLines));
    }

    /// <summary>The commands that run (by their words after <c>ortagent</c>), from the command tree the CLI builds.</summary>
    private static IEnumerable<string> LeafCommands()
    {
        var services = new ServiceCollection().AddLogging().AddOptions()
            .AddSingleton(Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(TextWriter.Null) }))
            .AddSingleton(new ErrorOutput(TextWriter.Null)).AddSingleton(TimeProvider.System)
            .AddOrtAgentServices().AddOrtAgentCommands();
        using var provider = services.BuildServiceProvider();
        var found = new List<string>();
        void Visit(System.CommandLine.Command command, string path)
        {
            if (command.Action is not null && path.Length > 0) found.Add(path);
            foreach (var sub in command.Subcommands) Visit(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}");
        }
        Visit(provider.GetRequiredService<OrtAgentRootCommand>(), "");
        return found;
    }
}
