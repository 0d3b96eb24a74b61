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
    [InlineData("nonsense")]
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
}
