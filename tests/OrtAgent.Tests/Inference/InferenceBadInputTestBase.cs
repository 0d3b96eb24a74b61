using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// What the tests of <c>predict</c>'s and <c>eval</c>'s user mistakes share: a folder with a two-row labelled input and
/// an empty output folder, and the assertion every mistake must pass: exit code 2, exactly one stderr line naming the
/// problem, nothing on stdout and nothing written to the output folder.
/// </summary>
public abstract class InferenceBadInputTestBase : IDisposable
{
    private protected readonly TinyClassifierFixture _model;
    private protected readonly TempDirectory _folder = new();
    private protected readonly string _input;
    private protected readonly string _output;

    private protected InferenceBadInputTestBase(TinyClassifierFixture model)
    {
        _model = model;
        _input = _folder.Combine("in.csv");
        File.WriteAllText(_input, "text,label\nthe movie was great,pos\nboring film,neg\n");
        _output = _folder.Combine("out", "predictions.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(_output)!);
    }

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected async Task AssertUserError(string[] args, string expectedMessage)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expectedMessage, line);
        Assert.Equal("", run.Output);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(_output)!));
    }
}
