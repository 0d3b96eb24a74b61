using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

/// <summary>Environment variables are process-wide, so these tests run alone.</summary>
[CollectionDefinition(nameof(ConfigurationTests), DisableParallelization = true)]
public sealed class ConfigurationTestsCollection;

[Collection(nameof(ConfigurationTests))]
public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("ORTAGENT_MODELS__ROOT", null);
        _temp.Dispose();
    }

    [Fact]
    public async Task ModelsRootComesFromTheEnvironment()
    {
        Environment.SetEnvironmentVariable("ORTAGENT_MODELS__ROOT", _temp.Combine("from-env"));

        var run = await CliRun.RunAsync(["models", "list"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(_temp.Combine("from-env", "base", "minilm"), run.Output);
    }

    [Fact]
    public async Task ModelsRootOnTheCommandLineBeatsTheEnvironment()
    {
        Environment.SetEnvironmentVariable("ORTAGENT_MODELS__ROOT", _temp.Combine("from-env"));

        var run = await CliRun.RunAsync(["models", "list", "--models-root", _temp.Combine("from-args")]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(_temp.Combine("from-args", "base", "minilm"), run.Output);
        Assert.DoesNotContain("from-env", run.Output);
    }
}
