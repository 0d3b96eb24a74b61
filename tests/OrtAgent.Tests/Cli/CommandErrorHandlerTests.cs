using OrtAgent.Cli;

namespace OrtAgent.Tests.Cli;

public sealed class CommandErrorHandlerTests
{
    [Fact]
    public async Task UserInputExceptionIsOneErrorLineAndExitTwo()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: true)
            .RunAsync(_ => throw new UserInputException("column 'text' is missing\nin data.csv"), CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Equal("error: column 'text' is missing in data.csv" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task InvalidOptionExceptionNamesTheFlag()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new InvalidOptionException("FineTuningOptions.Epochs", 0, "must be at least 1"), CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Equal("error: --epochs 0: must be at least 1" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task TheRuntimesModelLoadExceptionIsAUserError()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new Runtime.ModelLoadException("models/x: model directory does not exist"), CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Equal("error: models/x: model directory does not exist" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task OtherExceptionIsOneInternalErrorLineAndExitOne()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new InvalidOperationException("boom"), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal("internal error: InvalidOperationException: boom" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task OtherExceptionWithVerboseAddsTheStackTrace()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: true)
            .RunAsync(_ => throw new InvalidOperationException("boom"), CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains(" at ", error.ToString());
    }

    [Fact]
    public async Task CancellationOfTheCliTokenIsExit130()
    {
        var error = new StringWriter();
        using var source = new CancellationTokenSource();
        source.Cancel();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(token => Task.FromCanceled<int>(token), source.Token);

        Assert.Equal(130, code);
        Assert.Equal("cancelled" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task CancellationFromElsewhereIsAnInternalError()
    {
        var error = new StringWriter();

        int code = await new CommandErrorHandler(error, verbose: false)
            .RunAsync(_ => throw new OperationCanceledException("timed out"), CancellationToken.None);

        Assert.Equal(1, code);
    }
}
