using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

public sealed class ServeCommandTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task AMissingModelIsOneLineAndExitCode2()
    {
        var run = await CliRun.RunAsync(["serve", "--model", _work.Combine("none"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("does not exist", Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData("--max-batch", "0", "error: --max-batch 0: must be at least 1")]
    [InlineData("--max-wait-ms", "-1", "error: --max-wait-ms -1: must not be negative")]
    [InlineData("--max-inputs", "0", "error: --max-inputs 0: must be at least 1")]
    [InlineData("--max-chars", "0", "error: --max-chars 0: must be at least 1")]
    public async Task AnOutOfRangeOptionIsAUserErrorNamingTheFlag(string option, string value, string line)
    {
        Directory.CreateDirectory(_work.Combine("m"));
        var run = await CliRun.RunAsync(["serve", "--model", _work.Combine("m"), "--urls", "http://127.0.0.1:0", option, value]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(line, Assert.Single(run.ErrorLines));
    }
}
