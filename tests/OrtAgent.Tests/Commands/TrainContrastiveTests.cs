using System.Net;
using System.Text.Json;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>train --method contrastive|auto</c> on the tiny model: the two stages, the export, what the card records, and that
/// serve and an int8 export take the model as they take any other.
/// </summary>
public sealed class TrainContrastiveTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>One training example a class and one validation example: the counts were printed "1 training examples".</summary>
    [Fact]
    public async Task CountsOfOneAreSingular()
    {
        var data = _work.Combine("one-each.csv");
        File.WriteAllText(data, "text,label\nthe movie was great,positive\nreally awful service,negative\n");
        var validation = _work.Combine("val.csv");
        File.WriteAllText(validation, "text,label\nit is boring,negative\n");
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", data, "--validation", validation, "--method", "auto", "--pair-rounds", "1", "--head-c", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("2 training examples and 1 validation example; labels (training/validation): negative 1/1, positive 1/0", run.Output);
        Assert.Contains("Method: contrastive (auto: the smallest class has 1 training example, fewer than 64)", run.Output);
        Assert.Contains("Steps: contrastive stage 1 about 1 (1 pair round over 2 training examples), standard fine-tuning about ", run.Output);
        Assert.DoesNotContain(" 1 training examples", run.Output);
        Assert.DoesNotContain(" 1 validation examples", run.Output);
    }

    [Fact]
    public async Task ContrastiveTrainsAModelThatPredictAndEvalUseUnchanged()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3", "--head-c", "10"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Method: contrastive (asked for)", run.Output);
        Assert.Equal(TrainingObjective.PairSimilarity, TrainingArtifacts.Open(_work.Combine("artifacts", "m")).Properties.Objective);
        var model = _work.Combine("models", "m");
        var card = File.ReadAllText(Path.Combine(model, "README.md"));
        Assert.Contains("contrastive (asked for)", card);
        Assert.Contains("| pair rounds | 3 (432 pairs, half positive) |", card); // 72 training examples × 3 rounds × 2
        Assert.Contains("| head C | 10 (fixed) |", card);

        var predict = await CliRun.RunAsync(["predict", "--model", model, "what a great film", "an awful mess"]);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var eval = await CliRun.RunAsync(["eval", "--model", model, "--data", tiny.TestCsv, "--json"]);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        double accuracy = System.Text.Json.JsonDocument.Parse(eval.Output).RootElement.GetProperty("accuracy").GetDouble();
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy}");
    }

    /// <summary>
    /// A contrastive run's head is fitted once stage 1 ends, so its model is its last one. <c>export --checkpoint</c>
    /// of it recorded no metrics (it looked for the evaluation at the best step, which a contrastive run never sets).
    /// </summary>
    [Fact]
    public async Task ExportingAContrastiveCheckpointRecordsTheHeadsValidationMetrics()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3", "--head-c", "10"));
        Assert.True(run.ExitCode == 0, run.ToString());
        using var trained = TextClassifier.Load(_work.Combine("models", "m"));

        foreach (var latest in new[] { false, true })
        {
            var output = _work.Combine("models", latest ? "latest" : "again");
            var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", output, "--no-explain", .. latest ? new[] { "--latest" } : []]);
            Assert.True(export.ExitCode == 0, export.ToString());
            using var exported = TextClassifier.Load(output);
            Assert.Equal(trained.Info.Metrics, exported.Info.Metrics);
            Assert.Contains("accuracy", exported.Info.Metrics.Keys);
            Assert.Equal(trained.PredictBatch(TinyTexts).Select(p => p.Label), exported.PredictBatch(TinyTexts).Select(p => p.Label));
        }

        // Before its head is fitted (a run stopped in stage 1) there is no model to export: said so, not "no tensor 'classifier.weight'".
        File.Delete(OrtAgent.Training.Artifacts.TrainingArtifacts.Open(_work.Combine("artifacts", "m")).BestModelPath);
        var unfinished = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", _work.Combine("models", "none"), "--latest"]);
        Assert.True(unfinished.ExitCode == 2, unfinished.ToString());
        Assert.Equal($"error: {_work.Combine("artifacts", "m")}: this contrastive run has not finished, and its classification head is fitted only when it does; " +
            $"finish it first (ortagent train --resume {_work.Combine("artifacts", "m")})", Assert.Single(unfinished.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models", "none")));
    }

    private static readonly string[] TinyTexts = ["the movie was great", "the food was awful", "really nice staff", "this product is broken"];

    [Fact]
    public async Task AContrastiveModelServesPredictionsAndExportsToInt8WithItsLabels()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3", "--head-c", "10"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var model = _work.Combine("models", "m");
        var int8 = _work.Combine("models", "m-int8");
        // Resuming with another seed would not reproduce the run: refused in the flag's words, nothing written.
        var reseeded = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3", "--head-c", "10",
            "--seed", "999", "--resume", _work.Combine("artifacts", "m"), "--output", _work.Combine("models", "reseeded")));
        Assert.True(reseeded.ExitCode == 2, reseeded.ToString());
        Assert.StartsWith($"error: --seed 999: the run in {_work.Combine("artifacts", "m")} began with 42, which a resumed run keeps", Assert.Single(reseeded.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models", "reseeded")));
        // --dropout, which a contrastive run never reads, is refused as such at its default too, not compared with the 0 the run records.
        var dropout = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3", "--head-c", "10",
            "--dropout", "0.1", "--resume", _work.Combine("artifacts", "m"), "--output", _work.Combine("models", "repeated")));
        Assert.True(dropout.ExitCode == 2, dropout.ToString());
        Assert.Equal($"error: --dropout 0.1: applies to standard fine-tuning; the run in {_work.Combine("artifacts", "m")} trains contrastively", Assert.Single(dropout.ErrorLines));
        // The first command repeated resumes.
        var repeated = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3", "--head-c", "10",
            "--resume", _work.Combine("artifacts", "m"), "--output", _work.Combine("models", "repeated")));
        Assert.True(repeated.ExitCode == 0, repeated.ToString());
        // The head was fitted outside the training graphs: export must find it beside the encoder, not a fresh one.
        var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", int8, "--quantize", "int8", "--no-explain"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        // Its encoder and fitted head are the run's last: the card called them "best" even under --latest.
        Assert.Contains("from the run's final parameters (step ", File.ReadAllText(Path.Combine(int8, "README.md")));

        string[] texts = ["the movie was great", "the food was awful", "really nice staff", "this product is broken"];
        string[] expected = ["positive", "negative", "positive", "negative"];
        using (var fp32 = TextClassifier.Load(model))
        using (var quantized = TextClassifier.Load(int8))
        {
            Assert.Equal(["negative", "positive"], fp32.Labels);
            Assert.Equal(fp32.Labels, quantized.Labels);
            Assert.Equal(expected, fp32.PredictBatch(texts).Select(p => p.Label));
            Assert.Equal(expected, quantized.PredictBatch(texts).Select(p => p.Label));
        }

        await using var app = await InferenceServer.BuildAsync(ServerUnderTest.Options(model));
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
            using var response = await client.PostAsync("/predict", new StringContent(
                JsonSerializer.Serialize(new { inputs = texts }), System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(expected, json.RootElement.EnumerateArray().Select(answer => answer[0].GetProperty("label").GetString()));
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await app.StopAsync(timeout.Token);
        }
    }

    /// <summary>
    /// Options only standard fine-tuning reads used to be accepted and dropped by a contrastive run; they are refused,
    /// and with --method auto the line says what auto chose. Nothing is trained or written.
    /// </summary>
    [Theory]
    [InlineData("contrastive", "--patience", "1", "--patience 1: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--class-weights", "1,5", "--class-weights '1,5': applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--keep", "last", "--keep 'last': applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--eval-steps", "10", "--eval-steps 10: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("auto", "--pooling", "cls", "--pooling 'cls': applies to standard fine-tuning; --method auto chose contrastive (auto: the smallest class has 36 training examples, fewer than 64), so pass --method standard to use it")]
    // Stage 1 has its own epochs, a linear schedule, no accumulation, no evaluations to smooth and no head dropout.
    [InlineData("contrastive", "--epochs", "7", "--epochs 7: applies to standard fine-tuning, not to --method contrastive (which trains pairs, then fits its head on the frozen embeddings); contrastive training reads --contrastive-epochs instead")]
    [InlineData("contrastive", "--grad-accum", "4", "--grad-accum 4: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--scheduler", "cosine", "--scheduler 'cosine': applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--eval-window", "5", "--eval-window 5: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--dropout", "0.5", "--dropout 0.5: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--encoder-dropout", "0.1", "--encoder-dropout 0.1: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("auto", "--label-smoothing", "0.3", "--label-smoothing 0.3: applies to standard fine-tuning; --method auto chose contrastive (auto: the smallest class has 36 training examples, fewer than 64), so pass --method standard to use it")]
    // Typed at their defaults, they were taken and dropped without a word while another value was refused.
    [InlineData("contrastive", "--epochs", "3", "--epochs 3: applies to standard fine-tuning, not to --method contrastive (which trains pairs, then fits its head on the frozen embeddings); contrastive training reads --contrastive-epochs instead")]
    [InlineData("contrastive", "--dropout", "0.1", "--dropout 0.1: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--keep", "best", "--keep 'best': applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--patience", "2", "--patience 2: applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("contrastive", "--class-weights", "none", "--class-weights 'none': applies to standard fine-tuning, not to --method contrastive")]
    [InlineData("auto", "--pooling", "mean", "--pooling 'mean': applies to standard fine-tuning; --method auto chose contrastive (auto: the smallest class has 36 training examples, fewer than 64), so pass --method standard to use it")]
    [InlineData("auto", "--scheduler", "linear", "--scheduler 'linear': applies to standard fine-tuning; --method auto chose contrastive (auto: the smallest class has 36 training examples, fewer than 64), so pass --method standard to use it")]
    public async Task OptionsOnlyStandardFineTuningReadsAreRefusedForContrastive(string method, string flag, string value, string refusal)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", method, flag, value));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("error: " + refusal, Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models", "m")));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m")));
    }

    /// <summary>Pairs beyond any useful run overflowed: an internal error (exit 1) with 300 MB of artifacts left behind.</summary>
    [Theory]
    [InlineData("--pair-rounds", "2000000000", "--pair-rounds 2000000000: makes 288,000,000,000 pairs of 72 training examples; at most 10,000,000 are sampled")]
    [InlineData("--min-steps", "2000000000", "--min-steps 2000000000: needs 16,000,000,128 pairs of 72 training examples at batch size 8; at most 10,000,000 are sampled")]
    public async Task MorePairsThanAnyUsefulRunAreRefusedBeforeAnythingIsWritten(string flag, string value, string refusal)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", flag, value));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: " + refusal, Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m")));
    }

    /// <summary>
    /// Copies of one text, labelled a and b by turns: a contrastive run warned of the conflicting labels, then planned
    /// a thousand steps of pairs that compare the text with itself. Refused, with nothing written.
    /// </summary>
    [Theory]
    [InlineData("contrastive", "")]
    [InlineData("auto", " (--method auto chose contrastive: auto: the smallest class has 20 training examples, fewer than 64)")]
    public async Task CopiesOfOneTextAreRefusedForContrastiveTraining(string method, string chosen)
    {
        var data = _work.Combine("ident.csv");
        File.WriteAllLines(data, ["text,label", .. Enumerable.Range(0, 40).Select(i => $"the same text,{(i % 2 == 0 ? "a" : "b")}")]);
        var validation = _work.Combine("val.csv");
        File.WriteAllText(validation, "text,label\nanother text,a\n");

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", data, "--validation", validation, "--method", method));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {data}: its 40 training examples are copies of one text; contrastive training{chosen} learns from pairs of different texts, so add examples with other texts",
            Assert.Single(run.ErrorLinesBesideWarnings));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m")));
        Assert.False(Directory.Exists(_work.Combine("models", "m")));
    }

    /// <summary>
    /// --resume alone took the default seed for the split, so a run begun with --seed 7 continued (or, finished, fitted
    /// its head again) on another training part, and validated on texts it had trained on. Another --method was dropped.
    /// </summary>
    [Fact]
    public async Task ResumeAloneContinuesAContrastiveRunOnItsOwnSplitAndRefusesAnotherMethod()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "1", "--lr", "1e-3", "--seed", "7", "--min-validation", "4"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var artifacts = _work.Combine("artifacts", "m");

        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts, "--output", _work.Combine("models", "again")]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        using (var first = TextClassifier.Load(_work.Combine("models", "m")))
        using (var again = TextClassifier.Load(_work.Combine("models", "again")))
            Assert.Equal(first.Info.Metrics.OrderBy(m => m.Key), again.Info.Metrics.OrderBy(m => m.Key));
        Assert.Equal(File.ReadAllBytes(_work.Combine("models", "m", "model.onnx")), File.ReadAllBytes(_work.Combine("models", "again", "model.onnx")));

        var standard = await CliRun.RunAsync(["train", "--resume", artifacts, "--method", "standard", "--output", _work.Combine("models", "standard")]);
        Assert.True(standard.ExitCode == 2, standard.ToString());
        Assert.StartsWith($"error: --method 'standard': the run in {artifacts} trains contrastively", Assert.Single(standard.ErrorLines));
        // An option stage 1 never reads is refused as such, not as a change of settings the run "began with".
        var epochs = await CliRun.RunAsync(["train", "--resume", artifacts, "--epochs", "7", "--output", _work.Combine("models", "epochs")]);
        Assert.True(epochs.ExitCode == 2, epochs.ToString());
        Assert.Equal($"error: --epochs 7: applies to standard fine-tuning; the run in {artifacts} trains contrastively; contrastive training reads --contrastive-epochs instead", Assert.Single(epochs.ErrorLines));
        // The run left C to be chosen: said how, with the minimum validation size it recorded, not that it "began with
        // none", nor only by cross-validation (a split of 4 or more chooses on itself).
        var headC = await CliRun.RunAsync(["train", "--resume", artifacts, "--head-c", "5", "--output", _work.Combine("models", "head-c")]);
        Assert.True(headC.ExitCode == 2, headC.ToString());
        Assert.Equal($"error: --head-c 5: the run in {artifacts} began with C chosen on its validation split, or by cross-validation on the training examples " +
            "when that split is under 4 examples (--min-validation), which a resumed run keeps; leave it out to resume, or start a new run",
            Assert.Single(headC.ErrorLines));
    }

    /// <summary>
    /// The contrastive options were dropped when --method auto chose standard fine-tuning, or when a standard run was
    /// resumed; only an explicit --method standard refused them.
    /// </summary>
    [Fact]
    public async Task ContrastiveOptionsAreRefusedWhenAutoChoosesStandardOrAStandardRunResumes()
    {
        var large = _work.Combine("large.csv");
        File.WriteAllLines(large, ["text,label", .. Enumerable.Range(0, 80).SelectMany(i => new[] { $"a fine good film {i},positive", $"a dull bad film {i},negative" })]);
        var auto = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", large, "--method", "auto", "--head-c", "10"));
        Assert.True(auto.ExitCode == 2, auto.ToString());
        Assert.StartsWith("error: --head-c 10: applies to contrastive training; --method auto chose standard fine-tuning (", Assert.Single(auto.ErrorLinesBesideWarnings));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m")));

        var standard = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(standard.ExitCode == 0, standard.ToString());
        var resumed = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "m"), "--pair-rounds", "5"]);
        Assert.True(resumed.ExitCode == 2, resumed.ToString());
        Assert.Equal($"error: --pair-rounds 5: applies to contrastive training; the run in {_work.Combine("artifacts", "m")} trains by standard fine-tuning",
            Assert.Single(resumed.ErrorLinesBesideWarnings));
    }

    /// <summary>The standard-only options that a contrastive run refuses at any value are taken when --method auto chooses standard fine-tuning.</summary>
    [Fact]
    public async Task StandardOnlyOptionsAtTheirDefaultsTrainWhenAutoChoosesStandard()
    {
        var large = _work.Combine("large.csv");
        File.WriteAllLines(large, ["text,label", .. Enumerable.Range(0, 80).SelectMany(i => new[] { $"a fine good film {i},positive", $"a dull bad film {i},negative" })]);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", large, "--method", "auto", "--epochs", "1", "--dropout", "0.1", "--keep", "best",
            "--pooling", "mean", "--class-weights", "none", "--label-smoothing", "0", "--scheduler", "linear"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Method: standard (auto: every class has at least 64 training examples", run.Output);
        // What the other method would have cost, which the reason (a class's size) does not say.
        Assert.Matches(@"Steps: contrastive stage 1 about [\d,]+ \(20 pair rounds over \d+ training examples\), standard fine-tuning about \d+; --method picks one", run.Output);
        Assert.True(File.Exists(_work.Combine("models", "m", "model.onnx")));
    }

    [Fact]
    public async Task AutoPicksContrastiveForFewExamplesPerClassAndSaysWhy()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "auto", "--pair-rounds", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        const string reason = "contrastive (auto: the smallest class has 36 training examples, fewer than 64)";
        Assert.Contains("Method: " + reason, run.Output);
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md"));
        Assert.Contains(reason, card);
        // 8 validation texts are too few to choose the head's C by: the training examples' folds choose it.
        Assert.Contains("Head C on 5-fold cross-validation on the training examples (8 validation examples are under 20): C=0.01 accuracy ", run.Output);
        Assert.Matches(@"\| head C \| [0-9.]+ \(the most accurate on 5-fold cross-validation on the training examples, ties to the lower cross-entropy, of C=0\.01: [0-9.]+ ?%, loss [0-9]+\.[0-9]{3}, ", card);

        // Resumed, the run still says why it trains contrastively: its card said only "(resumed)".
        var resumed = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "m"), "--output", _work.Combine("models", "again")]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("contrastive (auto: the smallest class has 36 training examples, fewer than 64; resumed)", File.ReadAllText(_work.Combine("models", "again", "README.md")));
    }

    /// <summary>With one training example of a class there are no folds, and the small split chose C without a word.</summary>
    [Fact]
    public async Task AHeadChosenOnATinySplitBecauseNoFoldsArePossibleSaysSo()
    {
        var four = _work.Combine("four.csv");
        File.WriteAllLines(four, ["text,label", "a fine good film,positive", "a great film,positive", "a dull bad film,negative", "an awful film,negative"]);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", four, "--method", "contrastive", "--pair-rounds", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Head C on the validation split (2 validation examples are under 20, but a class has a single training example, so there is no " +
            "cross-validation: the choice is noise; --head-c fixes C): ", run.Output);
    }

    [Fact]
    public async Task WithMinValidationZeroTheValidationSplitChoosesTheHeadsC_AndMinStepsRaisesThePairRounds()
    {
        // --min-steps 30: 72 examples × 1 round × 2 = 144 pairs are 18 steps of 8, so the rounds rise to 2.
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "1", "--min-validation", "0", "--min-steps", "30"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Head C on the validation split: C=0.01 accuracy ", run.Output);
        Assert.Contains("72 training examples at 1 pair round is too few for 30 steps: 2 rounds instead.", run.Output);
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md"));
        Assert.Contains("(the most accurate on the validation split, ties to the lower cross-entropy, of C=0.01: ", card);
        Assert.Contains("| pair rounds | 2, raised from 1 to take at least 30 steps (288 pairs, half positive) |", card);
    }

    /// <summary>
    /// Ctrl+C after stage 1's last step stops the head fit: the run said only <c>cancelled</c>, where a stop in stage 1
    /// names its checkpoint and the command that continues it. It names them, and that command fits the head from the
    /// checkpoint without training the encoder again.
    /// </summary>
    [Fact]
    public async Task ACancelWhileTheHeadIsFittedNamesTheCheckpointAndTheCommandThatFitsItAgain()
    {
        var args = tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3");
        // 72 training examples × 3 rounds × 2: 432 pairs, 54 steps of 8; cancelled as the last is reported.
        var stopped = await CliRun.RunCancelledOnAsync(args, " step 54/54 ");

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        string artifacts = _work.Combine("artifacts", "m");
        string resume = $"ortagent train --resume {artifacts}";
        Assert.Equal([$"Cancelled at step 54; checkpoint written to {Path.Combine(artifacts, "checkpoint")}. To continue this run: {resume}", "cancelled"],
            stopped.ErrorLines[^2..]);
        Assert.DoesNotContain("Cancelled", stopped.Output);
        Assert.DoesNotContain("Head C on", stopped.Output);
        Assert.False(Directory.Exists(_work.Combine("models", "m")));

        var resumed = await CliRun.RunAsync(resume.Split(' ')[1..]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.DoesNotContain(" step 1/54 ", resumed.Output);
        Assert.Contains("nothing is left to train, so its classifier head is fitted again and its model exported (--contrastive-epochs does not extend",
            resumed.Output.Replace("\n", " "));
        Assert.Contains("Head C on ", resumed.Output);
        Assert.True(File.Exists(_work.Combine("models", "m", "model.onnx")), resumed.ToString());
    }
}
