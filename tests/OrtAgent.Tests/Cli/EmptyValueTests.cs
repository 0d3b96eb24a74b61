using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

/// <summary>
/// An empty value names nothing; every command refuses it before doing anything (it reached .NET's path APIs as an
/// internal error, exit 1, or became an empty label).
/// </summary>
public sealed class EmptyValueTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Theory]
    [InlineData("-m", "predict", "-m", "", "some text")]
    [InlineData("-m", "explain", "-m", "", "some text")]
    [InlineData("--output", "train", "--output", "")]
    [InlineData("--data", "train", "--data", "", "--output", "OUT")]
    [InlineData("--output", "artifacts", "--output", "")]
    [InlineData("--labels", "artifacts", "--labels", "", "b", "--output", "OUT")]
    [InlineData("--output", "distill", "--teacher", "OUT", "--layers", "3", "--output", "")]
    [InlineData("--models-root", "models", "list", "--models-root", "")]
    [InlineData("--label", "explain", "-m", "OUT", "--label=", "some text")]
    [InlineData("--models-root", "train", "--models-root=", "--output", "OUT")]
    public async Task AnEmptyValueIsOneLineAndExitCode2(string option, params string[] args)
    {
        var run = await CliRun.RunAsync(args.Select(a => a == "OUT" ? _work.Combine("out") : a).ToArray());

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {option} '': needs a value; an empty one names nothing", Assert.Single(run.ErrorLines));
        Assert.Empty(Directory.GetFileSystemEntries(_work.Path));
    }
}
