using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>train --resume</c>: a run continues with the settings and data it began with, refuses what its artifacts
/// contradict, exports again once finished, and leaves alone artifacts another run holds or another run's output owns.
/// </summary>
public sealed class TrainResumeTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// Artifacts made with <c>ortagent artifacts --loss bce|mse|kd</c>: their training graph takes float targets or a
    /// teacher's logits, and a resume ended in an internal error from ONNX Runtime at its first step (exit 1), having
    /// written data.txt, output.txt and metrics.jsonl into them; kd ones were called a student's, made by distill.
    /// </summary>
    [Theory]
    [InlineData("bce", "these artifacts are built for multi-label classification (loss bce, as 'ortagent artifacts --loss bce' writes them): their training graph takes a 0 or 1 for every label of a text")]
    [InlineData("mse", "these artifacts are built for regression (loss mse, as 'ortagent artifacts --loss mse' writes them): their training graph takes a number for every output")]
    [InlineData("kd", "these artifacts have the distillation loss (kd) on the base model {0} itself, not a student cut from a teacher (as 'ortagent artifacts --loss kd' writes them): their training graph takes a teacher's logits for every text")]
    public async Task ArtifactsMadeWithAnotherLossAreRefusedWithNothingWritten(string loss, string what)
    {
        string artifacts = _work.Combine("artifacts", "m");
        Assert.Equal(0, (await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--labels", "negative", "positive", "--loss", loss, "--output", artifacts])).ExitCode);
        var before = TreeSnapshot.Take(_work.Path);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, "--epochs", "1"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --resume {artifacts}: {string.Format(what, tiny.BaseModel)}; train trains single-label classifiers from one label per text (loss ce): "
            + "start a new run without --resume", Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
    }

    /// <summary>
    /// A run whose <c>vocab.txt</c> was replaced by one of the same size with other tokens (here two swapped) is refused:
    /// the count passed, and the resumed run exported over the model the copy, which reads those tokens as each other.
    /// </summary>
    [Fact]
    public async Task AResumeRefusesTheRunsVocabularyReorderedAndTrainsNothing()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");
        var vocabPath = Path.Combine(artifacts, "vocab.txt");
        var lines = File.ReadAllLines(vocabPath);
        (lines[^1], lines[^2]) = (lines[^2], lines[^1]);
        File.WriteAllLines(vocabPath, lines);
        var before = TreeSnapshot.Take(_work.Path);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, "--epochs", "1"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {vocabPath}: is not the vocabulary this run was set up with: its tokens are not the ones, in the order, whose SHA-256 "
            + "checkpoint/properties.json records, so a model exported from the run would read every text through other ids; put back the run's own vocab.txt",
            Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
    }

    /// <summary>
    /// A resumed run tokenizes with its base's <c>vocab.txt</c>, not the artifacts' copy: a base whose tokens were
    /// reordered since the run began (here two swapped) is refused naming --base, where the resume trained on, exit 0,
    /// feeding the checkpoint's weights other ids. Nothing is trained or written.
    /// </summary>
    [Fact]
    public async Task AResumeRefusesABaseWhoseVocabularyIsNotTheRunsAndTrainsNothing()
    {
        string baseModel = _work.Combine("base");
        CopyDirectory(tiny.BaseModel, baseModel);
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--base", baseModel))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");
        SwapTheLastTwoTokens(Path.Combine(baseModel, "vocab.txt"));
        var before = TreeSnapshot.Take(_work.Path);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, "--epochs", "1", "--base", baseModel));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --base '{baseModel}': {Path.Combine(baseModel, "vocab.txt")} is not the vocabulary the run in '{artifacts}' was trained with: its tokens are not the ones, "
            + $"in the order, whose SHA-256 the run in '{artifacts}' records, so the run would read every text through other ids; give the base it was trained from",
            Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
    }

    /// <summary>
    /// A run from a model on its base tokenizes with the base's <c>vocab.txt</c>: a copy of the base with two tokens
    /// swapped is refused against the vocabulary the model records, where the model's digest was compared with its own
    /// file only and the run trained on other ids.
    /// </summary>
    [Fact]
    public async Task InitFromRefusesABaseWhoseVocabularyIsNotTheModels()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        string model = _work.Combine("models", "m");
        string baseModel = _work.Combine("base");
        CopyDirectory(tiny.BaseModel, baseModel);
        SwapTheLastTwoTokens(Path.Combine(baseModel, "vocab.txt"));

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", model, "--base", baseModel, "--epochs", "1",
            "--output", _work.Combine("models", "n"), "--artifacts-root", _work.Combine("artifacts2")));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --base '{baseModel}': {Path.Combine(baseModel, "vocab.txt")} is not the vocabulary --init-from {model} was trained with: its tokens are not the ones, "
            + $"in the order, whose SHA-256 --init-from {model} records, so the run would read every text through other ids; give the base it was trained from",
            Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models", "n")));
        Assert.False(Directory.Exists(_work.Combine("artifacts2")));
    }

    /// <summary>
    /// A run stopped half-way whose artifacts lost their copy of vocab.txt: the resume trained every remaining epoch and
    /// then its export refused ("vocab.txt is missing"), exit 2, the run's compute wasted. The base's vocab.txt, the one
    /// the run records, is copied in before training, said in one line on stderr, and the model is exported and predicts.
    /// </summary>
    [Fact]
    public async Task AResumeWhoseArtifactsLostTheirVocabularyCopyPutsTheBasesBackBeforeTrainingAndExports()
    {
        var stopped = await CliRun.RunCancelledOnAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0"), "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        string artifacts = _work.Combine("artifacts", "m");
        string copy = Path.Combine(artifacts, "vocab.txt");
        File.Delete(copy);

        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal($"{copy} was missing; copied in the base's ({Path.Combine(tiny.BaseModel, "vocab.txt")}), the vocabulary the run trains with, which its model is exported with",
            Assert.Single(resumed.ErrorLines));
        Assert.Contains($"Resuming {artifacts} at epoch ", resumed.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(tiny.BaseModel, "vocab.txt")), File.ReadAllBytes(copy));
        using var classifier = TextClassifier.Load(_work.Combine("models", "m"));
        Assert.Contains(classifier.Predict("the movie was great").Label, new[] { "negative", "positive" });
    }

    private static void SwapTheLastTwoTokens(string vocabPath)
    {
        var lines = File.ReadAllLines(vocabPath);
        (lines[^1], lines[^2]) = (lines[^2], lines[^1]);
        File.WriteAllLines(vocabPath, lines);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>
    /// The artifacts fix a run's base, length, method, pooling, frozen layers, adapters, class weights and data: a resumed run would drop
    /// an option asking otherwise, so it is refused, and nothing is trained or exported. Without --output a resumed run
    /// exports where the run was exporting, and without --data it reads what the run trained on (its artifacts record
    /// both), not models/classifier and the embedded sample.
    /// </summary>
    [Fact]
    public async Task AResumedRunRefusesWhatItsArtifactsContradictAndExportsUnderItsName()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");
        string model = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(_work.Combine("models", "m", "model.onnx"))));
        (string Flag, string Value, string Refusal)[] contradictions =
        [
            ("--max-length", "9", $"--max-length 9: the run in {artifacts} was built with "),
            ("--lora-rank", "4", $"--lora-rank 4: the run in {artifacts} fine-tunes the whole model, without adapters, which a resumed run keeps"),
            ("--method", "contrastive", $"--method 'contrastive': the run in {artifacts} trains by standard fine-tuning"),
            ("--pooling", "cls", $"--pooling 'cls': the run in {artifacts} pools with mean"),
            ("--freeze-layers", "0", $"--freeze-layers '0': the run in {artifacts} freezes nothing"),
            ("--base", "arctic-xs", $"--base 'arctic-xs': the run in {artifacts} was built on "),
            ("--data", tiny.TestCsv, $"--data '{tiny.TestCsv}': the run in {artifacts} trains on {tiny.TrainCsv}, which a resumed run keeps"),
            ("--validation", tiny.TestCsv, $"--validation '{tiny.TestCsv}': the run in {artifacts} validates on a part held out of its training data"),
            ("--lr", "0.001", $"--lr 0.001: the run in {artifacts} began with 0.005, which a resumed run keeps"),
            ("--epochs", "5", $"--epochs 5: the run in {artifacts} began with 3, which a resumed run keeps"),
            // The loss's weights are in its graphs: "1,5" was dropped without a word (exit 0).
            ("--class-weights", "1,5", $"--class-weights '1,5': the run in {artifacts} was built with none, which a resumed run keeps"),
            // The encoder's dropout is in the training graph too.
            ("--encoder-dropout", "0.1", $"--encoder-dropout 0.1: the run in {artifacts} was built with 0, which a resumed run keeps"),
            // Asked for explicitly, the default is asked for too (it was dropped as if left out).
            ("--lr", "5e-5", $"--lr 5e-5: the run in {artifacts} began with 0.005, which a resumed run keeps"),
            ("--keep", "last", $"--keep last: the run in {artifacts} began with best, which a resumed run keeps"),
            ("--init-from", _work.Combine("models", "m"), $"--init-from '{_work.Combine("models", "m")}': starts a new run; a resumed run continues from its own checkpoint"),
        ];
        foreach (var (flag, value, refusal) in contradictions)
        {
            var refused = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, flag, value));
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.StartsWith("error: " + refusal, Assert.Single(refused.ErrorLines));
            // Explicit weights need only the run's labels: refused before the data is read (they were refused after).
            if (flag == "--class-weights") Assert.DoesNotContain("Reading ", refused.Output);
        }
        Assert.Equal(model, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(_work.Combine("models", "m", "model.onnx")))));   // nothing exported over it

        var args = tiny.TrainArgs(_work.Path, "--resume", artifacts).ToList();
        args.RemoveRange(args.IndexOf("--output"), 2);
        // Without --data a resumed run reads what the run trained on, not the embedded sample reviews.
        args.RemoveRange(args.IndexOf("--data"), 2);
        // A child in the work folder, where the default models/classifier would be.
        var resumed = await new OrtAgentProcess { WorkingDirectory = _work.Path }.RunAsync(args, TimeSpan.FromMinutes(2));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Reading {tiny.TrainCsv} ...", resumed.Output);
        Assert.Contains($"to {_work.Combine("models", "m")}", resumed.Output);
        Assert.False(Directory.Exists(_work.Combine("models", "classifier")));
    }

    /// <summary>
    /// Runs to pa/x and pb/x are both named x in the artifacts root: the second would replace the checkpoint the first
    /// exported from, so it is refused while the first's model is there.
    /// </summary>
    [Fact]
    public async Task ARunWhoseOutputSharesAnotherRunsFolderNameDoesNotReplaceItsArtifacts()
    {
        string first = _work.Combine("pa", "x"), second = _work.Combine("pb", "x");
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--output", first, "--epochs", "1"))).ExitCode);
        string checkpoint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(_work.Combine("artifacts", "x", "checkpoint", "model.safetensors"))));

        var refused = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--output", second, "--epochs", "1", "--seed", "7"));
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Equal($"error: artifacts directory {_work.Combine("artifacts", "x")} (--artifacts-root): holds the run that exported {first}, which this run to --output {second} would replace (the artifacts are named after the output's folder); give --output another folder name, or use another --artifacts-root",
            Assert.Single(refused.ErrorLines));
        Assert.False(Directory.Exists(second));
        Assert.Equal(checkpoint, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(_work.Combine("artifacts", "x", "checkpoint", "model.safetensors")))));

        // The same output again replaces its own run; once the first model is gone, so may another.
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--output", first, "--epochs", "1"))).ExitCode);
        Directory.Delete(first, recursive: true);
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--output", second, "--epochs", "1"))).ExitCode);
    }

    /// <summary>
    /// A finished run resumed trains no more and exports again. <c>--resume</c> alone keeps the settings the run began
    /// with: it used to take the defaults for every one its artifacts did not fix (learning rate, epochs, minimum steps…),
    /// so an interrupted run continued on another schedule, and the card recorded settings the run never used.
    /// </summary>
    [Fact]
    public async Task ResumingAFinishedRunTrainsNoMoreAndExportsAgainWithTheSettingsItBeganWith()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--warmup-ratio", "0.2"));
        Assert.Equal(0, first.ExitCode);
        var resumed = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "m")]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"The run in {_work.Combine("artifacts", "m")} finished at step ", resumed.Output);
        Assert.Contains("nothing is left to train, so its model is exported again (--epochs does not extend a finished run", resumed.Output.Replace("\n", " "));
        Assert.DoesNotContain("epoch 1 step", resumed.Output);
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md"));
        Assert.Contains("| epochs | 2 |", card);
        Assert.Contains("| learning rate | 5e-3 (linear, warmup 0.2) |", card);
        Assert.Contains("| batch size | 8 × 1 accumulation |", card);
        // The call took no step: the card gives no time rather than its own 00:00:00 as the run's.
        string steps = resumed.Output[(resumed.Output.IndexOf("finished at step ", StringComparison.Ordinal) + "finished at step ".Length)..].Split(':')[0];
        Assert.Contains($"\n{steps} optimizer steps; the last model kept", card);
        Assert.DoesNotContain("optimizer steps in", card);
    }

    /// <summary>
    /// Opening a run recovers a checkpoint save cut short (checkpoint.old back to checkpoint), a write that would undo
    /// the save of a run still going: --resume claims the artifacts first, so a resume refused because another run holds
    /// them leaves checkpoint.old where it is, and no lock file behind.
    /// </summary>
    [Fact]
    public async Task AResumeRefusedWhileAnotherRunHoldsTheArtifactsLeavesACheckpointSaveCutShortAlone()
    {
        var (artifacts, checkpoint) = await tiny.TrainWithASaveCutShortAsync(_work.Path);

        using (ProcessLock.Acquire(ProcessLock.FileBeside(artifacts), "held by the test"))
        {
            var refused = await CliRun.RunAsync(["train", "--resume", artifacts]);
            Assert.True(refused.ExitCode == 2, refused.ToString());
            // The run asked for is the one training there: no other --output is offered as a way out.
            Assert.Equal($"error: artifacts directory {artifacts}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish before resuming it", Assert.Single(refused.ErrorLines));
            Assert.True(Directory.Exists(checkpoint + ".old"));
            Assert.False(Directory.Exists(checkpoint));
        }
        Assert.DoesNotContain(Directory.GetFiles(_work.Combine("artifacts"), "*", SearchOption.TopDirectoryOnly), f => f.EndsWith(".lock", StringComparison.Ordinal));

        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.True(Directory.Exists(checkpoint));
    }

    /// <summary>
    /// A run the library began (TextClassifierTrainer.Train), stopped, then resumed by <c>train --resume</c>: the library
    /// wrote no output.txt, so the command line exported to models/&lt;artifacts' name&gt; under the working directory
    /// rather than the run's OutputDirectory. It records its output as train does, and the resume exports there.
    /// </summary>
    [Fact]
    public async Task ARunTheLibraryBeganResumesIntoItsOwnOutputDirectory()
    {
        // A name of its own: before the fix the export landed in ./models/<name>, removed below.
        string name = "library-run-" + Guid.NewGuid().ToString("N")[..8];
        var options = new TextClassifierTrainingOptions
        {
            BaseModel = tiny.BaseModel, ArtifactsDirectory = _work.Combine("artifacts", name), OutputDirectory = _work.Combine("out", "model"),
            Method = TrainingMethod.Standard,
            FineTuning = new FineTuningOptions { Epochs = 2, BatchSize = 8, LearningRate = 5e-3, MinimumSteps = 0 },
            Session = new OrtSessionSettings { IntraOpThreads = 1 },
        };
        var examples = File.ReadAllLines(tiny.TrainCsv).Skip(1).Select(line => line.Split(','))
            .Select(fields => new LabeledExample(fields[0], fields[1])).ToList();
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Train(options, examples,
            observer: new StopAfterSteps(2, stop), cancellationToken: stop.Token));
        string stray = Path.GetFullPath(Path.Combine("models", name));
        try
        {
            var resumed = await CliRun.RunAsync(["train", "--resume", options.ArtifactsDirectory, "--data", tiny.TrainCsv]);

            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.True(File.Exists(Path.Combine(options.OutputDirectory, ModelContract.ModelFile)), resumed.ToString());
            Assert.False(Directory.Exists(stray));
        }
        finally
        {
            if (Directory.Exists(stray)) Directory.Delete(stray, recursive: true);
        }
    }

    /// <summary>
    /// A run given a relative --output said "to models/m"; its --resume said the full path, as output.txt recorded it
    /// alone. The record keeps the path as typed beside the full one: resumed where it began the run names it as typed,
    /// and resumed from another directory it still exports where it began (named by its full path there), not under
    /// that directory, and goes on naming it as typed where it began.
    /// </summary>
    [Fact]
    public async Task AResumedRunNamesARelativeOutputAsTypedAndExportsWhereItBeganFromAnyDirectory()
    {
        string artifacts = _work.Combine("artifacts", "m"), model = _work.Combine("models", "m");
        var here = new OrtAgentProcess { WorkingDirectory = _work.Path };
        var first = await here.RunAsync(tiny.TrainArgs(_work.Path, "--output", Path.Combine("models", "m"), "--epochs", "1"), TimeSpan.FromMinutes(2));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($" to {Path.Combine("models", "m")}\n", first.Output);

        var resumed = await here.RunAsync(["train", "--resume", artifacts], TimeSpan.FromMinutes(2));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($" to {Path.Combine("models", "m")}\n", resumed.Output);
        Assert.DoesNotContain(model, resumed.Output);

        string elsewhere = Directory.CreateDirectory(_work.Combine("elsewhere")).FullName;
        var fromElsewhere = await new OrtAgentProcess { WorkingDirectory = elsewhere }.RunAsync(["train", "--resume", artifacts], TimeSpan.FromMinutes(2));
        Assert.True(fromElsewhere.ExitCode == 0, fromElsewhere.ToString());
        Assert.Contains($" to {model}\n", fromElsewhere.Output);
        Assert.False(Directory.Exists(Path.Combine(elsewhere, "models")));

        var backHere = await here.RunAsync(["train", "--resume", artifacts], TimeSpan.FromMinutes(2));
        Assert.True(backHere.ExitCode == 0, backHere.ToString());
        Assert.Contains($" to {Path.Combine("models", "m")}\n", backHere.Output);
    }
}
