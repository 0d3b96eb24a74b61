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

    [Fact]
    public async Task AnOutOfRangeOptionIsAUserError()
    {
        Directory.CreateDirectory(_work.Combine("m"));
        var run = await CliRun.RunAsync(["serve", "--model", _work.Combine("m"), "--max-batch", "0"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.ErrorLines);
    }
}
