using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.Commands;

/// <summary><c>export --checkpoint</c> writes the model <c>train</c> would have, metrics included.</summary>
public sealed class ExportCommandTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// It used to record only <c>{"best": …}</c>, so /info and list_models showed no accuracy for such models, and
    /// promotion found nothing to compare; an int8 export's card did not say it was int8.
    /// </summary>
    [Fact]
    public async Task AnExportedCheckpointRecordsTheValidationMetricsTrainRecords()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--min-validation", "0"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var exported = _work.Combine("models", "again");

        var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", exported, "--no-explain"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        using var trained = TextClassifier.Load(_work.Combine("models", "m"));
        using var again = TextClassifier.Load(exported);
        Assert.Equal(["accuracy", "loss", "macro_f1"], again.Info.Metrics.Keys.Order());
        Assert.Equal(trained.Info.Metrics.OrderBy(m => m.Key), again.Info.Metrics.OrderBy(m => m.Key));

        // The card of an int8 export says so, and that its quantized MatMuls run on the CPU only; an fp32 one has no such section.
        var int8 = _work.Combine("models", "int8");
        var quantized = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", int8, "--quantize", "int8", "--no-explain"]);
        Assert.True(quantized.ExitCode == 0, quantized.ToString());
        Assert.Contains("## Weights\n\nint8: the MatMul weights are quantized", File.ReadAllText(Path.Combine(int8, "README.md")).ReplaceLineEndings("\n"));
        Assert.DoesNotContain("## Weights", File.ReadAllText(Path.Combine(exported, "README.md")));

        // The card keeps what train's said of the run (it had only the labels and metrics), and says what was exported;
        // the run's metrics log and chart come along, as with train's own export.
        var card = File.ReadAllText(Path.Combine(exported, "README.md")).ReplaceLineEndings("\n");
        var trainedCard = File.ReadAllText(_work.Combine("models", "m", "README.md")).ReplaceLineEndings("\n");
        foreach (var title in new[] { "## Method", "## Data", "## Hyperparameters", "## Run" })
        {
            Assert.Contains(title, card);
            var section = trainedCard[trainedCard.IndexOf(title, StringComparison.Ordinal)..];
            section = section[..(section.IndexOf("\n## ", 3, StringComparison.Ordinal) is int end and > 0 ? end : section.Length)];
            Assert.Contains(section.TrimEnd(), card);
        }
        Assert.Contains("## Export\n\nExported by `ortagent export --checkpoint` from the run's best parameters (step ", card);
        Assert.True(File.Exists(Path.Combine(exported, "metrics.jsonl")) && File.Exists(Path.Combine(exported, "training_curve.png")));
        Assert.Contains("## Hyperparameters", File.ReadAllText(Path.Combine(int8, "README.md")));
    }

    /// <summary>
    /// The best model is saved at each improved evaluation, the checkpoint only every few epochs: after a kill between
    /// the two, best/ held a later step than the checkpoint's state named, and the export took that state's step and
    /// metrics for best/'s weights. The best model now says which step it is from.
    /// </summary>
    /// <summary>
    /// A run killed after its last checkpoint (here its log given the lines such a run writes past it) leaves
    /// <c>metrics.jsonl</c> running ahead of the weights: an export shipped those steps and a later evaluation marked
    /// best beside a model of the checkpoint's step. It copies the log as far as the exported weights, as a resume trims it.
    /// </summary>
    [Fact]
    public async Task AnExportCopiesTheRunsLogOnlyAsFarAsTheWeightsItExports()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--min-validation", "0"))).ExitCode);
        var artifacts = _work.Combine("artifacts", "m");
        var log = Path.Combine(artifacts, "metrics.jsonl");
        var logged = File.ReadAllLines(log);
        long checkpoint = OrtAgent.Training.Trainer.TrainerState.Load(Path.Combine(artifacts, "checkpoint", "trainer_state.json")).Step;
        File.AppendAllLines(log, [
            $"{{\"type\":\"step\",\"epoch\":3,\"step\":{checkpoint + 1},\"loss\":0.01,\"learning_rate\":0.001,\"grad_norm\":0.1,\"samples_per_second\":100}}",
            $"{{\"type\":\"eval\",\"epoch\":3,\"step\":{checkpoint + 2},\"loss\":0.01,\"accuracy\":1,\"macro_f1\":1,\"is_best\":true,\"monitored\":1}}",
            $"{{\"type\":\"step\",\"epoch\":3,\"step\":{checkpoint + 3},\"lo",
        ]);
        var before = TreeSnapshot.Take(artifacts);

        foreach (var (name, latest) in new[] { ("latest", true), ("best", false) })
        {
            var exported = _work.Combine("models", name);
            var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", exported, "--no-explain", .. latest ? new[] { "--latest" } : []]);

            Assert.True(export.ExitCode == 0, export.ToString());
            Assert.Equal(logged, File.ReadAllLines(Path.Combine(exported, "metrics.jsonl")));
        }
        Assert.Equal(before, TreeSnapshot.Take(artifacts));
    }

    [Fact]
    public async Task AnExportTakesTheStepAndMetricsOfTheBestModelItExportsNotOfAnOlderCheckpoint()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "4", "--min-validation", "0", "--eval-window", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        var evaluations = File.ReadLines(Path.Combine(artifacts, "metrics.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "eval").ToList();
        var best = evaluations.Last(e => e.GetProperty("is_best").GetBoolean());
        long bestStep = best.GetProperty("step").GetInt64();
        var earlier = evaluations.First(e => e.GetProperty("step").GetInt64() != bestStep);
        // As a kill leaves it: the checkpoint's state names an earlier evaluation as the best.
        var statePath = Path.Combine(artifacts, "checkpoint", "trainer_state.json");
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(statePath))!;
        state["BestStep"] = earlier.GetProperty("step").GetInt64();
        File.WriteAllText(statePath, state.ToJsonString());

        var exported = _work.Combine("models", "again");
        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", exported, "--no-explain"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        using var again = TextClassifier.Load(exported);
        Assert.Equal(best.GetProperty("loss").GetDouble(), again.Info.Metrics["loss"], 6);
        Assert.Contains($"from the run's best parameters (step {bestStep})", File.ReadAllText(Path.Combine(exported, "README.md")));
    }

    /// <summary>
    /// A checkpoint no optimizer step went into was exported as a model, exit 0: the weights the run started from (a
    /// random head, predicting about 0.5 for everything) under a card saying "from the run's latest parameters". So were
    /// fresh artifacts (<c>ortagent artifacts</c>), a run killed before its first checkpoint, and a run begun from another
    /// model (<c>--init-from</c>), whose first checkpoint holds that model's weights at step 0. Each is refused, saying to
    /// wait for the run's first checkpoint or train it, with nothing written.
    /// </summary>
    [Fact]
    public async Task ACheckpointNoStepWentIntoIsRefusedWithNothingWritten()
    {
        var fresh = _work.Combine("artifacts", "fresh");
        var generated = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--output", fresh]);
        Assert.True(generated.ExitCode == 0, generated.ToString());
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        // Killed after the first step, before any evaluation or checkpoint: the run's checkpoint is still its first.
        var killed = new OrtAgentProcess { Environment = { [CrashPoint.Variable] = CrashPoint.TrainStep } };
        var unsaved = await killed.RunAsync(tiny.TrainArgs(_work.Path, "--output", _work.Combine("models", "unsaved")));
        var initFrom = await killed.RunAsync(tiny.TrainArgs(_work.Path, "--output", _work.Combine("models", "again"), "--init-from", _work.Combine("models", "m")));
        Assert.True(unsaved.ExitCode != 0 && initFrom.ExitCode != 0, $"{unsaved}\n{initFrom}");
        Assert.Equal(0, Training.Trainer.TrainerState.Load(_work.Combine("artifacts", "again", "checkpoint", TrainingArtifacts.TrainerStateFile)).Step);

        foreach (var (artifacts, extra) in new[] { (fresh, ""), (_work.Combine("artifacts", "unsaved"), "--latest"), (_work.Combine("artifacts", "again"), "") })
        {
            var output = _work.Combine("models", "exported");
            var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", output, "--no-explain", .. extra.Length > 0 ? new[] { extra } : []]);

            Assert.True(export.ExitCode == 2, $"{artifacts} {extra}\n{export}");
            Assert.Equal($"error: {artifacts}: its checkpoint is the one the run started from, before any optimizer step; wait for the run's first checkpoint, or train it first",
                Assert.Single(export.ErrorLines));
            Assert.False(Directory.Exists(output));
        }
    }

    /// <summary>
    /// An export into the run's own checkpoint directory replaced its weights, optimizer state and properties with a
    /// model (every file there was OrtAgent's, so nothing stopped it), and the run could neither be exported nor resumed.
    /// </summary>
    [Fact]
    public async Task AnExportOverTheRunsOwnCheckpointIsRefusedAndTheRunGoesOn()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        var artifacts = _work.Combine("artifacts", "m");
        var checkpoint = Path.Combine(artifacts, "checkpoint");
        var before = Directory.GetFiles(checkpoint).Order().Select(File.ReadAllBytes).ToList();

        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", checkpoint, "--no-explain"]);

        Assert.True(export.ExitCode == 2, export.ToString());
        Assert.StartsWith($"error: --output {checkpoint}: is a training checkpoint (", Assert.Single(export.ErrorLines));
        Assert.Equal(before, Directory.GetFiles(checkpoint).Order().Select(File.ReadAllBytes).ToList());
        var again = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", _work.Combine("models", "again"), "--no-explain"]);
        Assert.True(again.ExitCode == 0, again.ToString());
    }

    /// <summary>
    /// An export or a run whose --output was a run's artifacts was refused as a folder holding "files OrtAgent did not
    /// write ('card.md', 'checkpoint/…' and 9 more)": OrtAgent wrote every one. It is named as what it is.
    /// </summary>
    [Fact]
    public async Task AnOutputThatIsARunsArtifactsIsRefusedAsSuch()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        var artifacts = _work.Combine("artifacts", "m");
        var before = TreeSnapshot.Take(artifacts);

        foreach (var args in new[]
        {
            new[] { "export", "--checkpoint", artifacts, "--output", artifacts, "--no-explain" },
            tiny.TrainArgs(_work.Path, "--output", artifacts, "--artifacts-root", _work.Combine("other")),
        })
        {
            var run = await CliRun.RunAsync(args);

            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}\n{run}");
            Assert.Equal($"error: --output {artifacts}: is a run's training artifacts, not an exported OrtAgent model; choose a new or empty directory",
                Assert.Single(run.ErrorLines));
            Assert.Equal(before, TreeSnapshot.Take(artifacts));
        }
    }

    /// <summary>
    /// An export killed between its two renames left NAME.replaced-PID and NAME.tmp-PID and no model at NAME, which
    /// predict and serve called missing until the next write there. On Linux the two directories are now exchanged in
    /// one step: killed at that point, the model at NAME is whole (the new one) and the old one waits at the staging name
    /// for the next write's sweep. Where the renames remain (other systems, file systems without the exchange; forced
    /// here by <see cref="CrashPoint.SwapVariable"/>), the loader and predict say where the previous model was left,
    /// also for a name long enough to be cut to a stem in the leftover's name, and the next export puts it back first.
    /// </summary>
    [Theory]
    [InlineData(false, "m")]
    [InlineData(true, "m")]
    [InlineData(true, "a-model-name-long-enough-that-its-leftovers-are-named-by-a-stem-ending-in-a-hash-of-it-because-the-full-name-and-the-suffix-would-not-fit-in-the-255-bytes-a-file-system-takes-for-one-name-in-a-path-so-the-writer-shortens-it-and-the-loader-must-too")]
    public async Task AnExportKilledMidSwapLeavesAModelAtItsDestinationOrSaysWhereTheOldOneIs(bool byRenames, string name)
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--output", _work.Combine("models", name)))).ExitCode);
        var model = _work.Combine("models", name);
        string[] export = ["export", "--checkpoint", _work.Combine("artifacts", name), "--output", model, "--no-explain", "--latest"];
        var crash = new OrtAgentProcess { Environment = { [CrashPoint.Variable] = CrashPoint.BetweenRenames } };
        if (byRenames) crash.Environment[CrashPoint.SwapVariable] = CrashPoint.SwapByRenames;
        // Written long before the export starts: set aside under the export's process id, it must not look older than
        // that process, or another process would take it for a dead writer's while the export still runs.
        Directory.SetLastWriteTimeUtc(model, DateTime.UtcNow.AddHours(-1));
        var exportStarted = DateTime.UtcNow;

        var killed = await crash.RunAsync(export);

        Assert.True(killed.ExitCode != 0 && killed.Error.Contains($"crash point {CrashPoint.BetweenRenames}:1 reached", StringComparison.Ordinal), killed.ToString());
        var leftovers = Directory.GetDirectories(_work.Combine("models")).Select(Path.GetFileName).Where(entry => entry != name).ToList();
        if (OperatingSystem.IsLinux() && !byRenames)
        {
            using var whole = TextClassifier.Load(model);
            Assert.Contains("from the run's latest parameters (step ", File.ReadAllText(Path.Combine(model, "README.md")));
            Assert.StartsWith($"{name}.tmp-", Assert.Single(leftovers));
            Assert.True(Directory.GetLastWriteTimeUtc(_work.Combine("models", leftovers[0]!)) >= exportStarted.AddSeconds(-2));
        }
        else
        {
            Assert.False(Directory.Exists(model));
            var retired = Path.Combine(_work.Combine("models"), Assert.Single(leftovers, entry => entry!.Contains(".replaced-", StringComparison.Ordinal))!);
            Assert.True(Directory.GetLastWriteTimeUtc(retired) >= exportStarted.AddSeconds(-2));
            var message = $"{model}: model directory does not exist; an interrupted replace left the previous model in {retired}; write the model again or rename it back";
            Assert.Equal(message, Assert.Throws<ModelLoadException>(() => TextClassifier.Load(model)).Message);
            var predict = await CliRun.RunAsync(["predict", "--model", model, "a fine text"]);
            Assert.True(predict.ExitCode == 2, predict.ToString());
            Assert.Contains(message, Assert.Single(predict.ErrorLines));
        }

        var again = await CliRun.RunAsync(export);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal([name], Directory.GetFileSystemEntries(_work.Combine("models")).Select(Path.GetFileName));
    }

    /// <summary>
    /// The base the run was built on has gone: export said only "Base model '…' does not exist." and --resume listed the
    /// packaged names. Both now say what is missing and, for a packaged base, the pull that restores it.
    /// </summary>
    [Fact]
    public async Task AGoneBaseModelIsNamedWithTheCommandThatRestoresIt()
    {
        var baseCopy = _work.Combine("base-copy");
        Directory.CreateDirectory(baseCopy);
        foreach (var file in Directory.GetFiles(tiny.BaseModel)) File.Copy(file, Path.Combine(baseCopy, Path.GetFileName(file)));
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--base", baseCopy, "--epochs", "1"))).ExitCode);
        var artifacts = _work.Combine("artifacts", "m");
        Directory.Delete(baseCopy, recursive: true);

        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", _work.Combine("models", "again"), "--no-explain"]);
        Assert.True(export.ExitCode == 2, export.ToString());
        Assert.Equal($"error: {artifacts}: the run was built on the base model at {baseCopy}, which is gone; put it back there to export or resume the run",
            Assert.Single(export.ErrorLines));
        var resume = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, "--base", baseCopy, "--epochs", "1"));
        Assert.True(resume.ExitCode == 2, resume.ToString());
        Assert.Contains("which is gone; put it back there", Assert.Single(resume.ErrorLines));

        // A packaged base names the pull, into the models root the run used.
        var properties = Path.Combine(artifacts, "checkpoint", "properties.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(properties))!;
        json["base_model_name"] = "minilm";
        File.WriteAllText(properties, json.ToJsonString());
        var packaged = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", _work.Combine("models", "again"), "--no-explain"]);
        Assert.True(packaged.ExitCode == 2, packaged.ToString());
        Assert.Equal($"error: {artifacts}: the run was built on minilm, whose copy at {baseCopy} is gone; put it back with: ortagent models pull minilm --models-root {Path.GetDirectoryName(_work.Path)}",
            Assert.Single(packaged.ErrorLines));
    }

    /// <summary>
    /// An output folder inside another model or a run's artifacts was accepted, and the folder then held files its
    /// owner did not write: a later train --output there refused it. Each command that writes a folder refuses it at
    /// once, links followed, naming its option and the folder it is inside, with nothing written.
    /// </summary>
    [Fact]
    public async Task AnOutputInsideAnotherModelOrRunIsRefusedWithNothingWritten()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        var artifacts = _work.Combine("artifacts", "m");
        var model = _work.Combine("models", "m");
        var link = _work.Combine("link-to-model");
        Directory.CreateSymbolicLink(link, model);
        var before = Snapshot();
        string Inside(string folder, string kind) => $"is inside {folder}, {kind}; choose a folder outside it";
        var cases = new (string[] Args, string Output, string Message)[]
        {
            (["export", "--checkpoint", artifacts, "--output", Path.Combine(artifacts, "sub"), "--no-explain"], Path.Combine(artifacts, "sub"), Inside(artifacts, "a run's training artifacts")),
            (["export", "--checkpoint", artifacts, "--output", Path.Combine(model, "sub"), "--no-explain"], Path.Combine(model, "sub"), Inside(model, "an exported OrtAgent model")),
            (["export", "--checkpoint", artifacts, "--output", Path.Combine(link, "sub"), "--no-explain"], Path.Combine(link, "sub"), Inside(model, "an exported OrtAgent model")),
            (tiny.TrainArgs(_work.Path, "--init-from", model, "--output", Path.Combine(model, "sub")), Path.Combine(model, "sub"), Inside(model, "an exported OrtAgent model")),
            (["artifacts", "--base", tiny.BaseModel, "--output", Path.Combine(model, "sub", "run")], Path.Combine(model, "sub", "run"), Inside(model, "an exported OrtAgent model")),
        };

        foreach (var (args, output, message) in cases)
        {
            var run = await CliRun.RunAsync(args);

            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}\n{run}");
            Assert.Equal($"error: --output {output}: {message}", Assert.Single(run.ErrorLines));
            Assert.Equal(before, Snapshot());
        }

        Dictionary<string, long> Snapshot() => Directory.EnumerateFileSystemEntries(_work.Path, "*", SearchOption.AllDirectories)
            .ToDictionary(path => path, path => File.Exists(path) ? new FileInfo(path).Length : -1);
    }
}
