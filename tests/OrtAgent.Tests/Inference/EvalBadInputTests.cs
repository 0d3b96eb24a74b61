using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// Every mistake a user can make with <c>eval</c>'s data, labels, groups and <c>--errors</c> file: exit code 2, exactly
/// one stderr line naming the problem, nothing on stdout and no file left behind.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class EvalBadInputTests : IDisposable
{
    private readonly TinyClassifierFixture _model;
    private readonly TempDirectory _folder = new();
    private readonly string _input;
    private readonly string _output;

    public EvalBadInputTests(TinyClassifierFixture model)
    {
        _model = model;
        _input = _folder.Combine("in.csv");
        File.WriteAllText(_input, "text,label\nthe movie was great,pos\nboring film,neg\n");
        _output = _folder.Combine("out", "predictions.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(_output)!);
    }

    public void Dispose() => _folder.Dispose();

    private async Task AssertUserError(string[] args, string expectedMessage)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expectedMessage, line);
        Assert.Equal("", run.Output);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(_output)!));
    }

    [Fact]
    public Task EvalWithAPlainEncoder() => AssertUserError(["eval", "-m", _model.BaseModelDirectory, "--data", _input], "has no OrtAgent metadata");

    [Fact]
    public async Task EvalWithALabelTheModelDoesNotKnow()
    {
        File.WriteAllText(_input, "text,label\nthe movie was great,pos\nboring film,awful\n");
        await AssertUserError(["eval", "-m", _model.ModelDirectory, "--data", _input], $"{_input} line 3: label 'awful' is not a label the model knows");
    }

    [Fact]
    public async Task EvalWithALabelThatDiffersOnlyInCaseSaysSo()
    {
        File.WriteAllText(_input, "text,label\nthe movie was great,Pos\n");
        await AssertUserError(["eval", "-m", _model.ModelDirectory, "--data", _input],
            $"{_input} line 2: label 'Pos' is not a label the model knows; its labels are 'neg', 'neu', 'pos'; labels are compared exactly, and 'pos' differs only in case");
    }

    [Fact]
    public async Task EvalOnAnEmptyFile()
    {
        File.WriteAllText(_input, "");
        await AssertUserError(["eval", "-m", _model.ModelDirectory, "--data", _input], $"{_input} is empty");
    }

    [Fact]
    public Task EvalWithAnUnknownLabelColumn() => AssertUserError(
        ["eval", "-m", _model.ModelDirectory, "--data", _input, "--label-column", "sentiment"], "no label column 'sentiment'");

    [Fact]
    public Task EvalByAColumnTheFileLacks() => AssertUserError(
        ["eval", "-m", _model.ModelDirectory, "--data", _input, "--by", "source"], $"{_input} line 1: no group column 'source' (from --by)");

    [Fact]
    public Task EvalReadingTheLabelFromTheTextColumnNamesBothFlags() => AssertUserError(
        ["eval", "-m", _model.ModelDirectory, "--data", _input, "--label-column", "text"],
        $"{_input} line 1: the text and label are both read from 'text'; name two different columns with --text-column and --label-column");

    [Fact]
    public Task EvalByTheTextColumn() => AssertUserError(
        ["eval", "-m", _model.ModelDirectory, "--data", _input, "--by", "text"], "--by 'text' names the text column");

    [Fact]
    public Task EvalErrorsToAFileOfUnknownFormat() => AssertUserError(
        ["eval", "-m", _model.ModelDirectory, "--data", _input, "--errors", _output.Replace(".csv", ".txt")], "cannot tell the --errors format from '.txt'");

    [Fact]
    public async Task EvalErrorsToATsvThatCannotHoldAText()
    {
        File.WriteAllText(_input, "text,label\nthe movie was great,pos\n\"boring\nfilm\",neg\n");
        await AssertUserError(["eval", "-m", _model.ModelDirectory, "--data", _input, "--errors", Path.ChangeExtension(_output, ".tsv")],
            $"error: {_input} line 3: the text holds a line break, which a .tsv file cannot hold (TSV has no quoting); write a .csv or .jsonl instead");
    }

    [Fact]
    public Task EvalErrorsOverTheData() => AssertUserError(
        ["eval", "-m", _model.ModelDirectory, "--data", _input, "--errors", _input], "the output would overwrite the input");

    [Fact]
    public Task EvalErrorsIntoAMissingDirectory() => AssertUserError(
        ["eval", "-m", _model.ModelDirectory, "--data", _input, "--errors", _folder.Combine("nowhere", "errors.csv")], "does not exist");

    [Fact]
    public async Task EvalByAColumnWithMoreValuesThanGroups()
    {
        File.WriteAllLines(_input, ["text,label,id", .. Enumerable.Range(0, 101).Select(i => $"film number {i},pos,{i}")]);
        await AssertUserError(
            ["eval", "-m", _model.ModelDirectory, "--data", _input, "--by", "id"], $"{_input} line 102: column 'id' (from --by) has more than 100 distinct values");
    }
}
