using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime.Text;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.Commands;

public sealed class TrainCommandTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// A run refused while its artifacts were being generated (a --freeze-layers past the base's layers) marked an
    /// earlier, finished run in the same folder as being set up, which export and --resume then refused.
    /// </summary>
    [Fact]
    public async Task ARunRefusedAtGenerationLeavesTheEarlierRunInItsFolderUsable()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());

        var refused = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--freeze-layers", "0-99"));
        Assert.True(refused.ExitCode == 2, refused.ToString());

        Assert.False(File.Exists(_work.Combine("artifacts", "m", "setting-up")));
        // Refused after it claimed its artifacts and its output: both claims end with it.
        Assert.Empty(Directory.GetFiles(_work.Path, "*.lock", SearchOption.AllDirectories));
        var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", _work.Combine("models", "again"), "--no-explain"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        var artifacts = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--output", _work.Combine("a1"), "--freeze-layers", "0-99"]);
        Assert.True(artifacts.ExitCode == 2, artifacts.ToString());
        Assert.False(Directory.Exists(_work.Combine("a1")));
    }

    /// <summary>
    /// A loss that is not a number (here from a base with NaN weights) ended a run that had applied every step to NaN
    /// weights and exported a model answering nothing; gradients that are not numbers with a finite loss (here every
    /// embedding of zero length, which contrastive training normalises) were applied, and the run went on with NaN
    /// weights. Each is now one line naming the step and the cause, exit 2, and no model. (A run that diverges later is
    /// told to lower --lr: <c>TrainingDivergedExceptionTests</c>.)
    /// </summary>
    [Theory]
    [InlineData("nan-weights", "standard",
        @"^error: the training loss at step 1 is NaN, before any update: the model trained from holds weights that are not numbers; start from another$")]
    [InlineData("zero-embeddings", "contrastive",
        @"^error: the gradients at step 1 are not finite numbers \(their norm is NaN, the loss [0-9.]+\), before any update: the model trained from holds weights whose gradients are not numbers; start from another$")]
    public async Task ARunWhoseLossOrGradientsAreNotNumbersStopsInOneLine(string poison, string method, string line)
    {
        var poisoned = _work.Combine(poison);
        if (poison == "nan-weights") Training.Encoders.TinyBertBuilder.WriteBaseModelWithNaNWeights(poisoned);
        else Training.Encoders.TinyBertBuilder.WriteBaseModelWithZeroEmbeddings(poisoned);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--base", poisoned, "--method", method));

        Assert.Equal(2, run.ExitCode);
        Assert.Matches(line, Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models", "m")));
    }

    /// <summary>
    /// The library's words for what to do reach the command line as its own: LoRA from a whole model names the command
    /// that writes an adapter, and a batch all of a class weighted 0 names the flag that weighed it.
    /// </summary>
    [Fact]
    public async Task LibraryRemediesAreWordedAsTheCommandLinesOwn()
    {
        var trained = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("first"), "--method", "standard"));
        Assert.True(trained.ExitCode == 0, trained.ToString());

        var lora = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("second"), "--method", "standard", "--lora-rank", "2", "--init-from", _work.Combine("first", "models", "m")));
        Assert.Equal(2, lora.ExitCode);
        // Refused before the training graphs are built, and not as a model "trained from another base" (it was not).
        Assert.Equal($"error: --init-from {_work.Combine("first", "models", "m")}: is a whole model, with no LoRA adapter to train on; "
            + "to continue LoRA training, start from an adapter written by export --adapter-only, or leave --lora-rank unset", Assert.Single(lora.ErrorLines));
        Assert.DoesNotContain("Building training graphs", lora.ToString());

        var zero = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("third"), "--method", "standard", "--class-weights", "0,1", "--batch-size", "1"));
        Assert.Equal(2, zero.ExitCode);
        Assert.Matches(@"^error: the examples of step \d+ are all of classes weighted 0 \(--class-weights\), so its weighted loss is 0/0; ", Assert.Single(zero.ErrorLines));
    }

    /// <summary>
    /// The fixture's 80 texts hold out 8 for validation: by default too few to choose by, so the last model (the final
    /// checkpoint) is exported; with <c>--min-validation 0</c> the best evaluation's parameters are, unless <c>--keep last</c>.
    /// </summary>
    [Theory]
    [InlineData("20", "best", "last", "checkpoint", "the last model kept (8 validation examples are too few to choose by)")]
    [InlineData("0", "best", "best", "best", "best accuracy at step")]
    [InlineData("0", "last", "last", "checkpoint", "the last model kept, as asked")]
    public async Task TrainsExportsAndTheExportReproducesTheEvalLogitsInAPlainSession(string minValidation, string keep, string kept, string parameters, string card)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--min-validation", minValidation, "--keep", keep));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Exported the {kept} model", run.Output);
        Assert.Contains("validation accuracy:", run.Output);
        var model = _work.Combine("models", "m");
        foreach (var file in new[] { "model.onnx", "vocab.txt", "README.md", "metrics.jsonl", "training_curve.png" })
            Assert.True(File.Exists(Path.Combine(model, file)), file);
        Assert.Contains("\"type\":\"eval\"", File.ReadAllText(Path.Combine(model, "metrics.jsonl")));
        Assert.Contains(card, File.ReadAllText(Path.Combine(model, "README.md")));

        // The eval graph with the kept parameters and the exported model must give the same logits.
        var artifacts = TrainingArtifacts.Open(_work.Combine("artifacts", "m"));
        var best = SafeTensorsReader.Read(Path.Combine(artifacts.Directory, parameters, "model.safetensors"));
        var encoder = BertTextEncoder.Create(Path.Combine(model, "vocab.txt"), new BertTextEncoderOptions { MaxLength = 128 });
        var batch = encoder.EncodeBatch(["the movie was great", "really awful service", "it is boring"]);
        var exported = RunLogits(Path.Combine(model, "model.onnx"), batch, null);
        var evaluated = RunLogits(artifacts.EvalModelPath, batch, best);
        Assert.Equal(evaluated.Length, exported.Length);
        for (int i = 0; i < exported.Length; i++) Assert.Equal(evaluated[i], exported[i], 5);
    }

    [Fact]
    public async Task TrainsOnOpenAIChatFormatWithTheAssistantContentsAsLabels()
    {
        var chat = tiny.WriteChatJsonl("chat.jsonl", 40, seed: 5);
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", chat, "--epochs", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("labels (training/validation): negative 18/2, positive 18/2", run.Output);
        Assert.DoesNotContain("warning:", run.Output);
        using var classifier = OrtAgent.Runtime.TextClassifier.Load(_work.Combine("models", "m"));
        Assert.Equal(["negative", "positive"], classifier.Info.Labels);
    }

    /// <summary>
    /// A run that keeps its last model only reports its evaluations, as it says: each line ended "(kept)" as if it had
    /// won. An epoch of one step is said in the singular ("1 optimizer steps an epoch" until 2026-12-07).
    /// </summary>
    [Fact]
    public async Task EvaluationsOfARunKeepingItsLastModelAreNotMarkedKept()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--keep", "last", "--epochs", "1", "--min-steps", "3", "--batch-size", "100"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("1 optimizer step an epoch: training 3 epochs to take at least 3 steps.", run.Output);
        Assert.Contains("eval epoch 3 step 3: ", run.Output);
        Assert.DoesNotContain("(kept)", run.Output);
    }

    /// <summary>A typo in one row's label makes a class of one example, which no validation example checks: the run says so.</summary>
    [Fact]
    public async Task ALabelNoValidationExampleHasIsNamedWithATypoHint()
    {
        var data = _work.Combine("typo.csv");
        File.WriteAllLines(data, [.. File.ReadAllLines(tiny.TrainCsv), "a lovely little place,postive"]);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", data, "--epochs", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("labels (training/validation): negative 36/4, positive 36/4, postive 1/0", run.Output);
        // On stderr, where a successful run's warnings are (stdout until 2026-12-07), and nothing else there.
        Assert.Equal([$"warning: label 'postive' has no validation example (1 to train on), so nothing checks it; if it is a typo of another label, correct it in {data}"],
            run.ErrorLines.Select(line => line.TrimEnd('\r')));
        Assert.DoesNotContain("warning:", run.Output);
    }

    /// <summary>
    /// A corpus with duplicates, split, puts copies of training texts in validation; a text labelled two ways cannot be
    /// learnt both ways. The run counts both.
    /// </summary>
    [Fact]
    public async Task DuplicatesAcrossTheSplitAndTextsWithTwoLabelsAreCounted()
    {
        var rows = File.ReadAllLines(tiny.TrainCsv);
        var validation = _work.Combine("validation.csv");
        File.WriteAllLines(validation, [rows[0], .. rows.Skip(1).Take(3), "a text of its own,negative", "another text of its own,positive"]);
        var data = _work.Combine("conflicting.csv");
        var relabelled = rows[1].EndsWith(",positive", StringComparison.Ordinal) ? rows[1][..^"positive".Length] + "negative" : rows[1][..^"negative".Length] + "positive";
        File.WriteAllLines(data, [.. rows, relabelled]);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", data, "--validation", validation, "--epochs", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"warning: 1 text occurs in {data} with more than one label; the model can learn only one of them", run.ErrorLines);
        Assert.Contains("warning: 3 of the 5 validation examples also occur in the training set, so validation overstates accuracy on new texts", run.ErrorLines);
        Assert.DoesNotContain("warning:", run.Output);
    }

    /// <summary>30 positive and 10 negative examples, a training file whose classes are 3:1.</summary>
    private string WriteImbalancedCsv()
    {
        var rows = File.ReadAllLines(tiny.TrainCsv).Skip(1).ToArray();
        var positive = rows.Where(r => r.EndsWith(",positive")).Take(30);
        var negative = rows.Where(r => r.EndsWith(",negative")).Take(10);
        var path = _work.Combine("imbalanced.csv");
        File.WriteAllLines(path, ["text,label", .. positive, .. negative]);
        return path;
    }

    [Theory]
    [InlineData("balanced", 2f, 40f / 60f)]        // n / (k n_c): 40 / (2 × 10) and 40 / (2 × 30)
    [InlineData("negative=3", 3f, 1f)]             // by name; the unnamed label weighs 1
    [InlineData("0.5,4", 0.5f, 4f)]                // in label order: negative, positive
    public async Task ClassWeightsReachTheLossAndTheModelCard(string option, float negative, float positive)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path,
            "--data", WriteImbalancedCsv(), "--validation", tiny.TestCsv, "--epochs", "1", "--class-weights", option, "--label-smoothing", "0.1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var properties = TrainingArtifacts.Open(_work.Combine("artifacts", "m")).Properties;
        Assert.Equal(["negative", "positive"], properties.Labels);
        Assert.Equal(2, properties.ClassWeights!.Count);
        Assert.Equal(negative, properties.ClassWeights[0], 5);
        Assert.Equal(positive, properties.ClassWeights[1], 5);
        Assert.Equal(0.1f, properties.LabelSmoothing);
        Assert.Contains("Class weights: negative ", run.Output);
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md"));
        Assert.Contains("| class weights | negative ", card);
        Assert.Contains("| label smoothing | 0.1 |", card);
    }

    [Fact]
    public async Task WithoutClassWeightsTheLossIsUnweighted()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Null(TrainingArtifacts.Open(_work.Combine("artifacts", "m")).Properties.ClassWeights);
        Assert.Contains("| class weights | none |", File.ReadAllText(_work.Combine("models", "m", "README.md")));
    }

    private static float[] RunLogits(string path, EncodedBatch batch, SafeTensorsFile? parameters)
    {
        using var session = new InferenceSession(path);
        var values = new List<OrtValue>();
        var names = new List<string>();
        void Add(string name, OrtValue value)
        {
            names.Add(name);
            values.Add(value);
        }
        Add("input_ids", OrtValue.CreateTensorValueFromMemory(batch.InputIds, batch.Shape));
        Add("attention_mask", OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, batch.Shape));
        Add("token_type_ids", OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, batch.Shape));
        if (parameters is not null)
        {
            Add("labels", OrtValue.CreateTensorValueFromMemory(new long[batch.BatchSize], [batch.BatchSize]));
            foreach (var (name, data) in parameters.Tensors)
                if (session.InputMetadata.ContainsKey(name)) Add(name, OrtValue.CreateTensorValueFromMemory(data.ToArray<float>(), data.Dims.ToArray()));
        }
        try
        {
            using var outputs = session.Run(new RunOptions(), names, values, ["logits"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>
    /// A run given no --method trains by standard fine-tuning, the default; the console and the model card said
    /// "standard (asked for)" of it, so a card could not tell a method chosen from one left as it was.
    /// </summary>
    [Fact]
    public async Task AMethodNotAskedForIsSaidToBeTheDefault()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Method: standard (the default)\n", run.Output.ReplaceLineEndings("\n"));
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md"));
        Assert.Contains("## Method\n\nstandard (the default)\n", card.ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// predict and eval say how many texts were cut to the model's length; train said nothing of the texts it trained
    /// on, so a --max-length far below the data's texts trained on their beginnings without a word.
    /// </summary>
    [Fact]
    public async Task TextsLongerThanTheMaxLengthAreCountedWhenTheRunReadsThem()
    {
        string longText = string.Join(' ', Enumerable.Repeat("good", 12));
        File.WriteAllText(_work.Combine("train.csv"), "text,label\n" + string.Concat(Enumerable.Range(0, 4).Select(_ => "good movie,pos\nbad movie,neg\n")) + longText + ",pos\n");
        File.WriteAllText(_work.Combine("val.csv"), $"text,label\n{longText},pos\nbad film,neg\n");

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", _work.Combine("train.csv"), "--validation", _work.Combine("val.csv"),
            "--max-length", "8", "--epochs", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("\n1 of 9 training texts and 1 of 2 validation texts are longer than 8 tokens (--max-length) and are cut to their first 8\n",
            run.Output.ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// The card recorded --data as typed, so distill, which reads it back when given no --data, resolved a relative
    /// path against its own working directory: another file of the same name, or none.
    /// </summary>
    [Fact]
    public async Task TheModelCardRecordsTheDataByItsFullPath()
    {
        File.Copy(tiny.TrainCsv, _work.Combine("train.csv"));
        var args = tiny.TrainArgs(_work.Path, "--data", "train.csv").ToList();

        var run = await new OrtAgentProcess { WorkingDirectory = _work.Path }.RunAsync(args, TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md"));
        Assert.Contains($"- training: `{_work.Combine("train.csv")}`", card);
        Assert.Matches($@"- validation: (\d+) held out of `{System.Text.RegularExpressions.Regex.Escape(_work.Combine("train.csv"))}` \(stratified, seed 42\), \1 validated on", card);
    }

    /// <summary>
    /// With no --data the card named the sample by its path inside the build's output (…/bin/Debug/net10.0/data/reviews.csv),
    /// and wrapped the whole held-out phrase in backticks. It names the embedded sample as such, with backticks around
    /// names alone; distill, given no --data, still finds the sample from the card.
    /// </summary>
    [Fact]
    public async Task TheModelCardNamesTheEmbeddedSampleAsSuchAndDistillFindsIt()
    {
        var args = tiny.TrainArgs(_work.Path, "--epochs", "1").ToList();
        args.RemoveRange(args.IndexOf("--data"), 2);

        var run = await CliRun.RunAsync([.. args]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md")).ReplaceLineEndings("\n");
        Assert.Matches(@"\n- training: the embedded sample `reviews\.csv`, \d+ trained on\n- validation: (\d+) held out of the embedded sample `reviews\.csv` \(stratified, seed 42\), \1 validated on\n", card);
        Assert.DoesNotContain(Path.Combine("data", "reviews.csv"), card);

        var distill = await CliRun.RunAsync(["distill", "--teacher", _work.Combine("models", "m"), "--layers", "1", "--epochs", "1", "--min-steps", "0",
            "--batch-size", "8", "--output", _work.Combine("models", "student"), "--artifacts-root", _work.Combine("artifacts")]);

        Assert.True(distill.ExitCode == 0, distill.ToString());
        Assert.Contains("- training: the embedded sample `reviews.csv`, ", File.ReadAllText(_work.Combine("models", "student", "README.md")));
    }

    /// <summary>
    /// A legal folder name of 250 characters was refused through its lock file <c>.NAME.lock</c> (256), and its
    /// temporaries (<c>NAME.tmp-PID</c>) were as long: the names derived from it are cut short with a hash of it, and
    /// the lock still keeps a second run out of the same artifacts.
    /// </summary>
    [Fact]
    public async Task AnOutputFolderWithTheLongestLegalNameTrainsAndItsLockStillHolds()
    {
        var name = new string('m', 250) + "-é"; // 253 bytes ('é' is two), of the 255 a name may have
        var output = _work.Combine("models", name);
        var artifacts = _work.Combine("artifacts", name);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--output", output));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")));
        Assert.Equal([name], Directory.GetFileSystemEntries(_work.Combine("models")).Select(Path.GetFileName));
        Assert.Equal([name], Directory.GetFileSystemEntries(_work.Combine("artifacts")).Select(Path.GetFileName));
        using (ProcessLock.Acquire(ProcessLock.FileBeside(artifacts), "held by the test"))
        {
            var second = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--output", output));
            Assert.True(second.ExitCode == 2, second.ToString());
            Assert.Contains("another OrtAgent process is using it (a run training there, or an export reading it)", Assert.Single(second.ErrorLines));
        }
    }

    [Fact]
    public async Task InitFromStartsWhereTheExportedModelEnded()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path));
        Assert.Equal(0, first.ExitCode);
        var again = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("next"), "--init-from", _work.Combine("models", "m"), "--epochs", "1", "--lr", "1e-12"));
        Assert.True(again.ExitCode == 0, again.ToString());
        // With a negligible rate the fine-tuned weights are kept, so the evaluation equals that of the first run's
        // exported model: its last (8 validation texts are too few to choose by).
        Assert.Contains("Exported the last model", first.Output);
        Assert.Equal(Accuracies(first.Output)[^1], Accuracies(again.Output).Single());
        // Recorded as the facade records its InitFrom, so TextClassifierTrainer resuming the run holds it to the same model.
        var settings = Directory.GetFiles(_work.Combine("next"), OrtAgent.Training.Artifacts.TrainingArtifacts.SettingsRecordFile, SearchOption.AllDirectories).Single();
        Assert.Equal(Path.GetFullPath(_work.Combine("models", "m")), OrtAgent.Training.Artifacts.RecordedSettings.Read(Path.GetDirectoryName(settings)!)!.InitFrom);
    }

    /// <summary>
    /// A standard run from a model reads the encoder as the model's head did: its pooling, and for a contrastive model
    /// the L2-normalised embeddings its head was fitted on. It used to take the weights into a mean-pooled, unnormalised
    /// head, so even at a negligible rate its model answered otherwise than the one it started from.
    /// </summary>
    [Theory]
    [InlineData("--pooling cls", "| pooling | cls |")]
    [InlineData("--method contrastive --pair-rounds 2 --head-c 10", "| pooling | mean, L2-normalised (as the contrastive model it started from) |")]
    public async Task InitFromKeepsTheHeadOfTheModelItStartsFrom(string firstRun, string cardLine)
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, firstRun.Split(' ')));
        Assert.True(first.ExitCode == 0, first.ToString());
        var again = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("next"), "--init-from", _work.Combine("models", "m"), "--epochs", "1", "--lr", "1e-12"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains(cardLine, File.ReadAllText(_work.Combine("next", "models", "m", "README.md")));

        using var original = OrtAgent.Runtime.TextClassifier.Load(_work.Combine("models", "m"));
        using var continued = OrtAgent.Runtime.TextClassifier.Load(_work.Combine("next", "models", "m"));
        var texts = File.ReadLines(tiny.TestCsv).Skip(1).Take(12).Select(line => line[..line.LastIndexOf(',')]).ToList();
        foreach (var (before, after) in original.PredictBatch(texts).Zip(continued.PredictBatch(texts)))
            foreach (var (label, probability) in before.Probabilities)
                Assert.Equal(probability, after.Probabilities[label], 3);
    }

    [Fact]
    public async Task InitFromRefusesAPoolingOtherThanTheModelsHead()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--pooling", "cls"))).ExitCode);
        var model = _work.Combine("models", "m");
        var again = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("next"), "--init-from", model, "--pooling", "pooler"));

        Assert.True(again.ExitCode == 2, again.ToString());
        Assert.Equal($"error: --pooling 'pooler': --init-from {model} pools with cls, which its head was trained on; leave it out", Assert.Single(again.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("next")), "the refused run wrote something");
    }

    private static double[] Accuracies(string output) =>
        System.Text.RegularExpressions.Regex.Matches(output, @"^eval .* accuracy ([0-9.]+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();


    /// <summary>A batch size beyond the data is one batch of all of it (it overflowed the length buckets before).</summary>
    [Fact]
    public async Task ABatchSizeBeyondTheDataTrainsOneStepAnEpoch()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--batch-size", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("eval epoch 3 step 3:", run.Output);
        Assert.True(File.Exists(_work.Combine("models", "m", "model.onnx")));
    }

    /// <summary>
    /// A batch size over the training examples was cut to them without a word, and the card recorded the one asked for.
    /// The plan says so once; the card gives the batch trained at; the run still resumes (its settings keep the one asked
    /// for, which --resume compares).
    /// </summary>
    [Fact]
    public async Task ABatchSizeOverTheTrainingExamplesIsSaidOnceAndTheCardGivesTheBatchTrainedAt()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--batch-size", "100000", "--epochs", "2"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var said = run.Output.Split('\n').Where(line => line.StartsWith("Batch size 100000 is more than the ", StringComparison.Ordinal)).ToArray();
        var line = Assert.Single(said);
        int count = int.Parse(line["Batch size 100000 is more than the ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.Equal($"Batch size 100000 is more than the {count} training examples: each step takes all {count}.", line);
        Assert.Contains($"{count} training and ", run.Output);
        var card = File.ReadAllText(_work.Combine("models", "m", "README.md"));
        Assert.Contains($"| batch size | {count} (every training example; 100000 asked for) × 1 accumulation |", card);

        var resumed = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "m")]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.DoesNotContain("Batch size 100000", resumed.Output);
        Assert.Contains($"| batch size | {count} (every training example; 100000 asked for) × 1 accumulation |", File.ReadAllText(_work.Combine("models", "m", "README.md")));
    }

    /// <summary>
    /// A resumed run given --method auto said "Method: standard (the default; resumed)", as if this call had chosen it
    /// by default; it keeps the method it began with, which the line now says, with what auto would have chosen here.
    /// </summary>
    [Fact]
    public async Task AResumedRunSaysItKeepsItsMethodAndWhatAutoWouldChooseInstead()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());

        var resumed = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "m"), "--method", "auto"]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var line = Assert.Single(resumed.Output.ReplaceLineEndings("\n").Split('\n'), l => l.StartsWith("Method: ", StringComparison.Ordinal));
        Assert.StartsWith("Method: standard (a resumed run keeps the method it began with, chosen then: the default; " +
            "--method auto would choose contrastive for this data (auto: the smallest class has ", line);
        Assert.EndsWith("), which takes a new run)", line);
    }
}
