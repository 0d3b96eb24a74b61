using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// Outputs <c>predict</c>, <c>eval</c> and <c>explain</c> may not write: in a missing folder, over the input (by name or
/// through a link), a folder, an unknown format, a name no file system takes, inside the model being read: exit code 2,
/// exactly one stderr line naming the flag and the path, and nothing written.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class PredictOutputBadInputTests(TinyClassifierFixture model) : InferenceBadInputTestBase(model)
{
    [Fact]
    public Task AnOutputInAMissingDirectory() => AssertUserError(
        ["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", _folder.Combine("missing", "out.csv")], "does not exist");

    [Fact]
    public Task AnOutputThatIsTheInput() => AssertUserError(
        ["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", Path.Combine(_folder.Path, ".", "in.csv")], "would overwrite the input");

    /// <summary>The output's refusals name the flag, as --errors' do: they said "the output format", "(output)".</summary>
    [Fact]
    public Task AnOutputOfUnknownFormat() => AssertUserError(
        ["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", _folder.Combine("out", "p.parquet")],
        $"error: {_folder.Combine("out", "p.parquet")}: cannot tell the --output format from '.parquet'; use .csv, .tsv or .jsonl");

    [Fact]
    public Task AFolderAsTheOutputNamesTheFlag()
    {
        var folder = Directory.CreateDirectory(_folder.Combine("out", "folder.csv")).FullName;
        return AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", folder],
            $"error: {folder} is a folder; expected a file to write (--output)");
    }

    /// <summary>
    /// An output that was a named pipe was replaced by a regular file holding the predictions (or the page): the pipe was
    /// gone and its reader got nothing. It is refused, and left a pipe.
    /// </summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("predict", "-o", "out.csv", "--output")]
    [InlineData("eval", "--errors", "errors.csv", "--errors")]
    [InlineData("explain", "--html", "page.html", "--html page")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AnOutputThatIsAFifoIsRefusedAndLeftAlone(string command, string option, string file, string named)
    {
        using var fifo = NotARegularFile.Create(_folder.Combine(file), NotARegularFile.Fifo);
        string[] args = command switch
        {
            "predict" => ["predict", "-m", _model.ModelDirectory, "-i", _input, option, fifo.Path],
            "eval" => ["eval", "-m", _model.ModelDirectory, "--data", _input, option, fifo.Path],
            _ => ["explain", "-m", _model.ModelDirectory, "the movie was great", option, fifo.Path],
        };

        await AssertUserError(args, $"error: {fifo.Path}: is not a regular file (a FIFO); expected a file to write ({named})");

        Assert.True(IsFifo(fifo.Path), $"{fifo.Path} is no longer a FIFO");
        Assert.Equal(new[] { _input, fifo.Path }.Order(), Directory.GetFiles(_folder.Path).Order());
    }

    // Asked of test(1), not of the code under test.
    private static bool IsFifo(string path)
    {
        using var test = System.Diagnostics.Process.Start("test", ["-p", path])!;
        test.WaitForExit();
        return test.ExitCode == 0;
    }

    [Fact]
    public Task AnOutputWhereNoFileCanBeCreatedIsNamedNotItsTemporary()
    {
        File.WriteAllText(_input, "text\ngood\n");
        return AssertUserError(["predict", "-m", _model.ModelDirectory, "--input", _input, "--output", "/proc/predictions.csv"],
            "error: /proc/predictions.csv: cannot write the output: no file can be created in its folder");
    }

    /// <summary>The same file through a link to its folder: compared by name only, it was replaced by the predictions.</summary>
    [Fact]
    public async Task PredictionsOverTheInputThroughALink()
    {
        var link = _folder.Combine("link");
        Directory.CreateSymbolicLink(link, _folder.Path);
        var before = File.ReadAllText(_input);

        await AssertUserError(["predict", "-m", _model.ModelDirectory, "-i", Path.Combine(link, "in.csv"), "-o", _input], "the output would overwrite the input");

        Assert.Equal(before, File.ReadAllText(_input));
    }

    [Theory]
    [InlineData("predict", "-o", "metrics.jsonl")]
    [InlineData("predict", "-o", "predictions.csv")]
    [InlineData("eval", "--errors", "metrics.jsonl")]
    [InlineData("explain", "--html", "README.html")]
    public async Task AnOutputInsideTheModelBeingReadIsRefusedAndTheModelKept(string command, string option, string file)
    {
        // The model's own metrics.jsonl was replaced by predictions, and explain --html overwrote model.onnx.
        var model = _model.CopyModelTo(_folder.Combine("model"));
        var before = Directory.GetFiles(model).ToDictionary(f => f, File.ReadAllBytes);
        string[] args = command switch
        {
            "predict" => ["predict", "-m", model, "-i", _input, option, Path.Combine(model, file)],
            "eval" => ["eval", "-m", model, "--data", _input, option, Path.Combine(model, file)],
            _ => ["explain", "-m", model, "the movie was great", option, Path.Combine(model, file)],
        };

        await AssertUserError(args, $"{Path.Combine(model, file)}: is inside the model directory {model}, which is being read");

        Assert.Equal(before.Keys.Order(), Directory.GetFiles(model).Order());
        foreach (var (path, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    /// <summary>A file name longer than a file system takes was found only when the predictions were written: an internal error.</summary>
    [Fact]
    public Task AnOutputNameLongerThanAFileSystemTakes() => AssertUserError(
        ["predict", "-m", _model.ModelDirectory, "-i", _input, "-o", _folder.Combine("out", new string('p', 300) + ".csv")],
        $"output {_folder.Combine("out", new string('p', 300) + ".csv")}: a name in it is 304 bytes long (in UTF-8), and a file system takes at most 255; choose a shorter name");

    /// <summary>
    /// Only the output's own folder was compared with the model, by name and identity: a link to a folder inside the
    /// model, or the model named through a link with the output in its real subfolder, slipped through.
    /// </summary>
    [Theory]
    [InlineData("predict", "-o", "out.jsonl", false)]
    [InlineData("eval", "--errors", "errors.csv", false)]
    [InlineData("explain", "--html", "page.html", false)]
    [InlineData("predict", "-o", "out.jsonl", true)]
    public async Task AnOutputThatALinkLeadsIntoTheModelBeingReadIsRefused(string command, string option, string file, bool modelThroughLink)
    {
        var model = _model.CopyModelTo(_folder.Combine("model"));
        var sub = Directory.CreateDirectory(Path.Combine(model, "sub")).FullName;
        string modelArgument = model, output;
        if (modelThroughLink)
        {
            modelArgument = _folder.Combine("model-link");
            Directory.CreateSymbolicLink(modelArgument, model);
            output = Path.Combine(sub, file);
        }
        else
        {
            var link = _folder.Combine("link-into-model");
            Directory.CreateSymbolicLink(link, sub);
            output = Path.Combine(link, file);
        }
        string[] args = command switch
        {
            "predict" => ["predict", "-m", modelArgument, "-i", _input, option, output],
            "eval" => ["eval", "-m", modelArgument, "--data", _input, option, output],
            _ => ["explain", "-m", modelArgument, "the movie was great", option, output],
        };

        await AssertUserError(args, $"{output}: is inside the model directory {modelArgument}, which is being read");

        Assert.Empty(Directory.GetFileSystemEntries(sub));
    }

    [Theory]
    [InlineData("model.onnx")]
    [InlineData("page.txt")]
    public Task AnExplanationPageThatIsNotHtmlIsRefused(string file) => AssertUserError(
        ["explain", "-m", _model.ModelDirectory, "the movie was great", "--html", _folder.Combine("out", file)], "the page is written to an .html file");
}
