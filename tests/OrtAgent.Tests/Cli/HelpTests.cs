using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

public sealed class HelpTests
{
    [Theory]
    // The root's name in the usage line is the executable's (ortagent, or testhost under a test runner).
    [InlineData(new[] { "--help" }, " [command] [options]")]
    [InlineData(new[] { "models", "--help" }, " models [command] [options]")]
    [InlineData(new[] { "models", "list", "--help" }, " models list [options]")]
    [InlineData(new[] { "models", "pull", "--help" }, " models pull <name> [options]")]
    public async Task Help_PrintsUsageAndExitsZero(string[] args, string usage)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Usage:", run.Output);
        Assert.Contains(usage, run.Output);
        Assert.Contains("--models-root", run.Output);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task PullHelpListsTheKnownModels()
    {
        var run = await CliRun.RunAsync(["models", "pull", "--help"]);

        Assert.Contains("minilm, arctic-xs", run.Output);
    }

    [Theory]
    [InlineData("models")]
    [InlineData("models pull")]
    [InlineData("models pull minilm --no-such-option")]
    [InlineData("")]
    public async Task ParseErrorIsOneErrorLineAndExitTwo(string commandLine)
    {
        var run = await CliRun.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains("--help", line);
    }

    /// <summary>
    /// A word that names no command said only 'Required command was not provided', and with --help printed the parent's
    /// help without a word on it. The line ends where every other parse error does, at the help of the command it was given to.
    /// </summary>
    [Theory]
    [InlineData("frobnicate", "error: unknown command 'frobnicate'; commands: train, distill, artifacts, export, models, predict, eval, explain, serve, mcp; see 'ortagent --help'")]
    [InlineData("--verbose frobnicate --help", "error: unknown command 'frobnicate'; commands: train, distill, artifacts, export, models, predict, eval, explain, serve, mcp; see 'ortagent --help'")]
    [InlineData("models info --help", "error: unknown command 'info' for 'ortagent models'; commands: list, pull; see 'ortagent models --help'")]
    [InlineData("models frobnicate", "error: unknown command 'frobnicate' for 'ortagent models'; commands: list, pull; see 'ortagent models --help'")]
    public async Task AnUnknownCommandIsNamedWithTheCommandsThereAre(string commandLine, string expected)
    {
        var run = await CliRun.RunAsync(commandLine.Split(' '));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(expected, Assert.Single(run.ErrorLines));
        Assert.Equal("", run.Output);
    }
}
