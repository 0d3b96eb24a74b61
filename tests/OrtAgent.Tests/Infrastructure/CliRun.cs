using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Cli;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>One run of the CLI (in this process, or as a child with <see cref="IsolatedChildProcess"/>) with its exit code and captured stdout/stderr.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <c>ortagent</c> with <paramref name="args"/> in this process, capturing both streams.</summary>
    public static async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await CliApp.RunAsync(args, output, error, configureServices, cancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The lines written to stderr, without the trailing empty one.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
