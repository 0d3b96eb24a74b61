using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// An output named by a symbolic link (<c>predict --output</c>, <c>eval --errors</c>, <c>explain --html</c>, all put in place
/// by one rename): the rename replaced the link with a regular file, and the file it led to kept its old content. The
/// file the link leads to is replaced, and the link stays, as a shell's <c>&gt;</c> leaves it.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class OutputThroughSymbolicLinkTests(TinyClassifierFixture model) : IDisposable
{
    private const string Old = "old content\n";

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Input
    {
        get
        {
            var input = _folder.Combine("in.csv");
            if (!File.Exists(input)) File.WriteAllText(input, "text,label\nthe movie was great,pos\nboring film,neg\n");
            return input;
        }
    }

    private string[] Args(string command, string output, string modelDirectory) => command switch
    {
        "predict" => ["predict", "-m", modelDirectory, "-i", Input, "-o", output],
        "eval" => ["eval", "-m", modelDirectory, "--data", Input, "--errors", output],
        _ => ["explain", "-m", modelDirectory, "--steps", "2", "--html", output, "the movie was great"],
    };

    private (string Link, string Target) LinkInAnotherFolder(string file, bool targetExists)
    {
        var target = Path.Combine(Directory.CreateDirectory(_folder.Combine("real")).FullName, file);
        if (targetExists) File.WriteAllText(target, Old);
        var link = Path.Combine(Directory.CreateDirectory(_folder.Combine("links")).FullName, file);
        // Relative, as ln -s makes it most often: resolved from the link's folder, not the working directory.
        File.CreateSymbolicLink(link, Path.Combine("..", "real", file));
        return (link, target);
    }

    [Theory]
    [InlineData("predict", "out.csv")]
    [InlineData("eval", "errors.csv")]
    [InlineData("explain", "page.html")]
    public async Task TheFileTheLinkLeadsToIsReplacedAndTheLinkStays(string command, string file)
    {
        var (link, target) = LinkInAnotherFolder(file, targetExists: true);

        var run = await CliRun.RunAsync(Args(command, link, model.ModelDirectory));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Path.Combine("..", "real", file), new FileInfo(link).LinkTarget);
        string written = File.ReadAllText(target);
        Assert.NotEqual(Old, written);
        Assert.True(command != "explain" || written.StartsWith("<!DOCTYPE html>", StringComparison.Ordinal), written);
        // Nothing left beside either: the temporary file was made beside the target and renamed onto it.
        Assert.Equal([target], Directory.GetFileSystemEntries(Path.GetDirectoryName(target)!));
        Assert.Equal([link], Directory.GetFileSystemEntries(Path.GetDirectoryName(link)!));
    }

    /// <summary>A link to a file not there yet: the file is created, as a shell's <c>&gt;</c> creates it.</summary>
    [Fact]
    public async Task ADanglingLinksTargetIsCreated()
    {
        var (link, target) = LinkInAnotherFolder("out.jsonl", targetExists: false);

        var run = await CliRun.RunAsync(Args("predict", link, model.ModelDirectory));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(2, File.ReadAllLines(target).Length);
    }

    /// <summary>
    /// Written through, a link to a file in the model being read would replace the model's own file: it is refused as
    /// an output inside the model is, and the model kept.
    /// </summary>
    [Fact]
    public async Task ALinkToAFileInTheModelBeingReadIsRefused()
    {
        var copy = model.CopyModelTo(_folder.Combine("model"));
        var before = Directory.GetFiles(copy).ToDictionary(f => f, File.ReadAllBytes);
        var link = _folder.Combine("metrics.jsonl");
        File.CreateSymbolicLink(link, Path.Combine(copy, "metrics.jsonl"));

        var run = await CliRun.RunAsync(Args("predict", link, copy));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {link}: is inside the model directory {copy}, which is being read; write the --output elsewhere", Assert.Single(run.ErrorLines));
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(copy).Order());
        foreach (var (path, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task ALoopOfLinksIsOneLine()
    {
        var first = _folder.Combine("a.csv");
        var second = _folder.Combine("b.csv");
        File.CreateSymbolicLink(first, second);
        File.CreateSymbolicLink(second, first);

        var run = await CliRun.RunAsync(Args("predict", first, model.ModelDirectory));

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"error: {first}: a symbolic link that cannot be followed to a file (", line);
        Assert.EndsWith("); name the file itself", line);
    }
}
