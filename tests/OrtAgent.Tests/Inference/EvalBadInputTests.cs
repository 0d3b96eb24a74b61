using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// Every mistake a user can make with <c>eval</c>'s data, labels, groups and <c>--errors</c> file: exit code 2, exactly
/// one stderr line naming the problem, nothing on stdout and no file left behind.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class EvalBadInputTests(TinyClassifierFixture model) : InferenceBadInputTestBase(model)
{
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

    /// <summary>An eval file with one label typed two ways said they "would be trained as different classes": nothing is trained on it.</summary>
    [Fact]
    public async Task EvalWithOneLabelTypedTwoWaysSpeaksOfScoringNotTraining()
    {
        File.WriteAllText(_input, "text,label\nthe movie was great,pos\nfine film,Pos\n");
        await AssertUserError(["eval", "-m", _model.ModelDirectory, "--data", _input],
            $"{_input} lines 2 and 3: the labels 'pos' and 'Pos' differ only in case, so they would be scored as different classes; write them one way");
    }

    /// <summary>A lone accent is nothing to this uncased model's tokenizer: refused naming its line, before any example is scored.</summary>
    [Fact]
    public async Task EvalWithARowOfOnlyAnAccentForAnUncasedModel()
    {
        File.WriteAllText(_input, "text,label\nthe movie was great,pos\n\u0301\u0301,neg\n");
        await AssertUserError(["eval", "-m", _model.ModelDirectory, "--data", _input],
            $"{_input} line 3: text has nothing to classify (column 'text'): it holds only combining-mark characters, which the tokenizer drops (U+0301)");
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
