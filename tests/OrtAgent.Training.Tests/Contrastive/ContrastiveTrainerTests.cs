using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Data;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.Trainer;
using TrainingSession = OrtAgent.Training.Trainer.TrainingSession;

namespace OrtAgent.Training.Tests.Contrastive;

/// <summary>Both stages on a tiny BERT and two clusters of texts: label 0 draws its tokens from 20-39, label 1 from 40-59.</summary>
public sealed class ContrastiveTrainerTests : IDisposable
{
    private static readonly string[] Labels = ["low", "high"];
    private readonly string _root = Directory.CreateTempSubdirectory("ortagent-contrastive-").FullName;
    private readonly string _base;

    public ContrastiveTrainerTests()
    {
        _base = Path.Combine(_root, "base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static TokenizedDataset Clusters(int count, int seed)
    {
        var random = new Random(seed);
        var examples = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            var tokens = new List<int> { 2 };
            int length = random.Next(3, 9);
            for (int t = 0; t < length; t++) tokens.Add(20 + 20 * label + random.Next(20));
            tokens.Add(3);
            examples.Add([.. tokens]);
            labels.Add(label);
        }
        return TokenizedDataset.FromTokens(examples, labels);
    }

    private TrainingArtifacts Artifacts(string name, ContrastiveLoss loss = ContrastiveLoss.CosineSimilarity, double temperature = ContrastiveOptions.DefaultTemperature) =>
        TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = _base, Labels = Labels, Objective = TrainingObjective.PairSimilarity, Seed = 3, ContrastiveLoss = loss, ContrastiveTemperature = temperature,
        }, Path.Combine(_root, name));

    private static ContrastiveOptions Options => new() { PairRounds = 4, Epochs = 2, BatchSize = 8, LearningRate = 1e-3, Seed = 5, MinimumSteps = 0 };

    private static ContrastiveResult Train(TrainingArtifacts artifacts, RecordingObserver observer, TrainerState? resume = null,
        CancellationToken cancel = default, ContrastiveOptions? options = null)
    {
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
        var trainer = new ContrastiveTrainer(session, options ?? Options, Labels, padId: 0, observer, new OrtSessionSettings());
        return trainer.Run(Clusters(24, 1), Clusters(16, 2), resume, cancel);
    }

    /// <summary>Mean cosine of the embeddings of same-label and of different-label examples.</summary>
    private static (double Within, double Between) Similarities(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters)
    {
        var data = Clusters(16, 2);
        using var embedder = SentenceEmbedder.Create(artifacts, parameters, new OrtSessionSettings());
        var e = embedder.Embed(data, padId: 0);
        var within = new List<double>();
        var between = new List<double>();
        for (int i = 0; i < e.Length; i++)
            for (int j = i + 1; j < e.Length; j++)
                (data.Label(i) == data.Label(j) ? within : between).Add(e[i].Zip(e[j], (a, b) => (double)a * b).Sum());
        return (within.Average(), between.Average());
    }

    [Fact]
    public void APairBatchRunsEachTextOnceAndTrainsAsIfEveryPairHadItsOwnCopies()
    {
        // The same 8 pairs over 6 texts, twice: once with the texts shared (6 distinct rows), once with every use of a
        // text pointed at its own copy (16 rows). The step must be the same.
        var clusters = Clusters(6, 1);
        var copies = Enumerable.Range(0, 4 * clusters.Count).Select(i => clusters.Tokens(i % clusters.Count).ToArray()).ToArray();
        var data = TokenizedDataset.FromTokens(copies, Enumerable.Range(0, copies.Length).Select(i => clusters.Label(i % clusters.Count)).ToArray());
        int[] shared = [0, 1, 2, 3, 0, 1, 4, 5, /* second texts */ 2, 3, 0, 1, 4, 5, 2, 3];
        var uses = new int[clusters.Count];
        int[] ownCopies = [.. shared.Select(t => t + clusters.Count * uses[t]++)];

        var artifacts = Artifacts("pair-rows");
        var deduplicated = TrainingBatch.CollatePairs(data, shared, padId: 0);
        var expanded = TrainingBatch.CollatePairs(data, ownCopies, padId: 0);
        Assert.Equal(6, deduplicated.Size);
        Assert.Equal(16, expanded.Size);
        Assert.Equal([0L, 1, 2, 3, 0, 1, 4, 5, 2, 3, 0, 1, 4, 5, 2, 3], deduplicated.PairRows!);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)i), expanded.PairRows!);

        // After one AdamW step the optimizer's moments are the gradient (times 1 − β1) and its square: compared per element.
        (float Loss, float Norm, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> Moments) Step(TrainingBatch batch)
        {
            using var session = TrainingSession.Create(artifacts, new OrtSessionSettings { IntraOpThreads = 1 });
            Assert.True(session.ReadsPairRows);
            float loss = session.TrainStep(batch);
            float norm = session.OptimizerStep(1e-3, maxGradNorm: 0);
            return (loss, norm, session.GetOptimizerState());
        }
        var (lossShared, normShared, momentsShared) = Step(deduplicated);
        var (lossCopies, normCopies, momentsCopies) = Step(expanded);
        Assert.True(lossShared > 1e-3, $"loss {lossShared}");
        Assert.Equal(lossCopies, lossShared, 1e-6f);
        Assert.Equal(normCopies, normShared, normCopies * 1e-5f);
        Assert.Equal(momentsCopies.Select(m => m.Key), momentsShared.Select(m => m.Key));
        foreach (var (fromCopies, fromShared) in momentsCopies.Zip(momentsShared))
        {
            float[] expected = fromCopies.Value.ToArray<float>(), actual = fromShared.Value.ToArray<float>();
            float scale = expected.Max(Math.Abs);
            Assert.True(Enumerable.Range(0, expected.Length).All(i => Math.Abs(expected[i] - actual[i]) <= 1e-5f * scale + 1e-12f), fromCopies.Key);
        }
    }

    [Fact]
    public void ATinyRunSeparatesTwoClusters()
    {
        var artifacts = Artifacts("separate");
        var initial = global::OrtAgent.Training.Checkpoints.SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors;
        var (withinBefore, betweenBefore) = Similarities(artifacts, initial);

        var observer = new RecordingObserver();
        var result = Train(artifacts, observer);
        var (withinAfter, betweenAfter) = Similarities(artifacts, result.Run.BestParameters.Where(p => !p.Key.StartsWith("classifier.")).ToList());

        // 24 examples × 4 rounds × 2 pairs = 192 pairs: 24 steps of 8 per epoch, two epochs.
        Assert.Equal(192, result.Pairs);
        Assert.Equal(48, result.Run.Steps);
        double first = observer.Steps.Take(4).Average(s => s.Loss), last = observer.Steps.TakeLast(4).Average(s => s.Loss);
        Assert.True(last < first / 2, $"pair loss went from {first:F4} to {last:F4}");
        Assert.True(betweenBefore - withinBefore < 0.05 && withinAfter - betweenAfter > 0.5,
            $"within/between cosine before {withinBefore:F3}/{betweenBefore:F3}, after {withinAfter:F3}/{betweenAfter:F3}");
        Assert.Equal(1.0, result.Run.BestReport!.Accuracy);
        Assert.Equal(Options.HeadCGrid.Count, result.Head.Candidates.Count);
        // Its one evaluation is of the model it keeps, marked as standard fine-tuning marks the one it keeps.
        var evaluation = Assert.Single(observer.Evaluations);
        Assert.True(evaluation.IsBest);
        Assert.Equal(result.Run.BestReport.Accuracy, evaluation.MonitoredValue);
    }

    [Fact]
    public void ATinySupervisedContrastiveRunSeparatesTwoClusters()
    {
        var artifacts = Artifacts("supcon", ContrastiveLoss.SupervisedContrastive);
        Assert.Equal(TrainingArtifacts.PairSupervisedContrastiveLoss, artifacts.Properties.Loss);
        Assert.Equal(0.07f, artifacts.Properties.Temperature);
        var initial = global::OrtAgent.Training.Checkpoints.SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors;
        var (withinBefore, betweenBefore) = Similarities(artifacts, initial);

        var observer = new RecordingObserver();
        var result = Train(artifacts, observer, options: Options with { Loss = ContrastiveLoss.SupervisedContrastive });
        var (withinAfter, betweenAfter) = Similarities(artifacts, result.Run.BestParameters.Where(p => !p.Key.StartsWith("classifier.")).ToList());

        Assert.Equal(48, result.Run.Steps);
        // Its floor is not 0 (log of the batch's other texts of the class), so the loss is compared as a drop, not a ratio.
        double first = observer.Steps.Take(4).Average(s => s.Loss), last = observer.Steps.TakeLast(4).Average(s => s.Loss);
        Assert.True(first - last > 0.5, $"supervised contrastive loss went from {first:F4} to {last:F4}");
        Assert.True(betweenBefore - withinBefore < 0.05 && withinAfter - betweenAfter > 0.5,
            $"within/between cosine before {withinBefore:F3}/{betweenBefore:F3}, after {withinAfter:F3}/{betweenAfter:F3}");
        Assert.Equal(1.0, result.Run.BestReport!.Accuracy);
    }

    [Fact]
    public void ArtifactsBuiltForAnotherLossOrTemperatureAreRefused()
    {
        using (var session = TrainingSession.Create(Artifacts("cosine"), new OrtSessionSettings()))
        {
            var error = Assert.Throws<InvalidOptionException>(() => new ContrastiveTrainer(session, Options with { Loss = ContrastiveLoss.SupervisedContrastive },
                Labels, 0, new RecordingObserver(), new OrtSessionSettings()));
            Assert.Equal("ContrastiveOptions.Loss", error.Option);
            Assert.Contains("ContrastiveOptions.Loss = SupervisedContrastive: the artifacts in ", error.Message);
            Assert.Contains(" were built with the CosineSimilarity loss; ", error.Message);
        }
        using (var session = TrainingSession.Create(Artifacts("supcon-0.1", ContrastiveLoss.SupervisedContrastive, 0.1), new OrtSessionSettings()))
        {
            var error = Assert.Throws<InvalidOptionException>(() => new ContrastiveTrainer(session, Options with { Loss = ContrastiveLoss.SupervisedContrastive },
                Labels, 0, new RecordingObserver(), new OrtSessionSettings()));
            Assert.Equal("ContrastiveOptions.Temperature", error.Option);
            Assert.Contains("were built with temperature 0.1", error.Message);
            Assert.Throws<InvalidOptionException>(() => new ContrastiveTrainer(session, Options, Labels, 0, new RecordingObserver(), new OrtSessionSettings()));
        }
    }

    [Fact]
    public void OnTooFewExamplesForTheMinimumStepsThePairRoundsRise()
    {
        // 24 examples × 4 rounds × 2 = 192 pairs, 24 steps of 8 per epoch: 48 in two epochs, short of 100.
        var options = Options with { MinimumSteps = 100 };
        Assert.Equal(9, options.RoundsFor(24)); // 432 pairs, 54 steps an epoch, 108 in all
        Assert.Equal(4, options.RoundsFor(200));
        Assert.Equal(4, Options.RoundsFor(24));
        // One round of 2 examples is 4 pairs: a batch of 16 is cut to them, one step an epoch, so one step needs no raise,
        // nor do two epochs' two steps; 3 steps in two epochs are 2 an epoch, which full batches give: 8 rounds, 32 pairs.
        var oneRound = new ContrastiveOptions { PairRounds = 1, BatchSize = 16, Epochs = 1, MinimumSteps = 1 };
        Assert.Equal(1, oneRound.RoundsFor(2));
        Assert.Equal(1, (oneRound with { Epochs = 2, MinimumSteps = 2 }).RoundsFor(2));
        Assert.Equal(8, (oneRound with { Epochs = 2, MinimumSteps = 3 }).RoundsFor(2));

        var artifacts = Artifacts("rounds");
        var observer = new RecordingObserver();
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
        var result = new ContrastiveTrainer(session, options, Labels, padId: 0, observer, new OrtSessionSettings())
            .Run(Clusters(24, 1), Clusters(16, 2), null, default);
        Assert.Equal(9, result.Rounds);
        Assert.Equal(432, result.Pairs);
        Assert.Equal(108, result.Run.Steps);
        Assert.Contains("24 training examples at 4 pair rounds are too few for 100 steps: 9 rounds instead.", observer.Messages);
    }

    [Fact]
    public void TheExportedModelReproducesTheHeadsProbabilitiesInAPlainSession()
    {
        var artifacts = Artifacts("export");
        var result = Train(artifacts, new RecordingObserver());
        var output = Path.Combine(_root, "model");
        ModelExporter.Export(artifacts, result.Run.BestParameters, new ExportOptions { MaxLength = 16, BaseModelName = "tiny" }, output);

        // The eval path: the trainer's embeddings and head, as a softmax over the head's logits.
        var data = Clusters(16, 2);
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
        var trainer = new ContrastiveTrainer(session, Options, Labels, 0, new RecordingObserver(), new OrtSessionSettings());
        var encoder = result.Run.BestParameters.Where(p => !p.Key.StartsWith("classifier.")).ToList();
        var (head, _, report) = trainer.FitHead(encoder, Clusters(24, 1), data, default);
        Assert.Equal(result.Head.C, head.C);
        using var embedder = SentenceEmbedder.Create(artifacts, encoder, new OrtSessionSettings());
        var expected = embedder.Embed(data, 0).Select(e => Softmax(head.Logits(e))).ToArray();

        using var plain = new InferenceSession(Path.Combine(output, "model.onnx"));
        for (int i = 0; i < data.Count; i++)
        {
            var ids = data.Tokens(i).ToArray().Select(t => (long)t).ToArray();
            using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
            using var mask = OrtValue.CreateTensorValueFromMemory(ids.Select(_ => 1L).ToArray(), [1, ids.Length]);
            using var types = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], [1, ids.Length]);
            using var run = new RunOptions();
            using var outputs = plain.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [inputIds, mask, types], ["probabilities"]);
            var actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            for (int j = 0; j < Labels.Length; j++) Assert.Equal(expected[i][j], actual[j], 1e-5f);
        }
        Assert.Equal(result.Run.BestReport!.Accuracy, report.Accuracy);
    }

    [Fact]
    public void ResumingAfterCancellationReproducesTheUninterruptedRun()
    {
        var full = new RecordingObserver();
        var uninterrupted = Train(Artifacts("full"), full);

        var interrupted = Artifacts("interrupted");
        using var cancel = new CancellationTokenSource();
        var stopped = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == 30) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => Train(interrupted, stopped, cancel: cancel.Token));
        Assert.Equal([(0L, 0)], stopped.TrainingStarts);   // once, before the first step
        var reopened = TrainingArtifacts.Open(interrupted.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(30, state.Step);
        var resumedSteps = new RecordingObserver();
        var resumed = Train(reopened, resumedSteps, state);
        Assert.Equal([(30L, 0)], resumedSteps.TrainingStarts);

        var expected = full.Steps.Skip(30).Select(s => s.Loss).ToArray();
        Assert.Equal(expected, resumedSteps.Steps.Select(s => s.Loss).ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(uninterrupted.Head.C, resumed.Head.C);
        Assert.Equal(uninterrupted.Run.BestReport!.Accuracy, resumed.Run.BestReport!.Accuracy);
    }

    /// <summary>
    /// Killed hard at step 30 (no stop, so no checkpoint on the way out), stage 1 resumes from the step its checkpoint
    /// interval wrote last (29), not from the end of epoch 1 (24), and continues as the uninterrupted run.
    /// </summary>
    [Fact]
    public void AKilledRunResumesFromTheCheckpointItsIntervalWroteMidEpoch()
    {
        var full = new RecordingObserver();
        Train(Artifacts("full"), full);

        var killed = Artifacts("killed");
        var dies = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == 30) throw new IOException("killed"); } };
        Assert.Throws<IOException>(() => Train(killed, dies, options: Options with { CheckpointInterval = TimeSpan.Zero }));
        var reopened = TrainingArtifacts.Open(killed.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(29, state.Step);
        var resumedSteps = new RecordingObserver();
        Train(reopened, resumedSteps, state);

        var expected = full.Steps.Skip(29).Select(s => s.Loss).ToArray();
        Assert.Equal(expected, resumedSteps.Steps.Select(s => s.Loss).ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    /// <summary>
    /// An embedding of zero length gives a finite loss (its cosine is 0) but gradients that are not numbers (the
    /// length's is 0/0). That step was applied and every weight became NaN; the run now stops at it, naming the
    /// gradients, the model trained from (step 1) to blame, and the checkpoint the artifacts began with as it was.
    /// </summary>
    [Fact]
    public void GradientsThatAreNotFiniteStopTheRunBeforeTheirStepIsApplied()
    {
        var zeroBase = Path.Combine(_root, "zero-base");
        TinyBertBuilder.WriteBaseModelWithZeroEmbeddings(zeroBase);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = zeroBase, Labels = Labels, Objective = TrainingObjective.PairSimilarity, Seed = 3,
        }, Path.Combine(_root, "zero-embeddings"));
        var checkpoint = CheckpointFiles.Read(artifacts.CheckpointDirectory);
        var observer = new RecordingObserver();

        var error = Assert.Throws<TrainingDivergedException>(() => Train(artifacts, observer));

        Assert.Equal(1, error.Step);
        Assert.True(double.IsFinite(error.Loss) && error.Loss > 0, $"loss {error.Loss}");
        Assert.True(double.IsNaN(error.GradientNorm!.Value));
        Assert.Equal(FormattableString.Invariant($"the gradients at step 1 are not finite numbers (their norm is NaN, the loss {error.Loss:g4}), before any update: ")
            + "the model trained from holds weights whose gradients are not numbers; start from another", error.Message);
        Assert.Empty(observer.Steps);
        Assert.Equal(checkpoint, CheckpointFiles.Read(artifacts.CheckpointDirectory));
    }

    [Fact]
    public void ClassificationArtifactsAreRefused()
    {
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base, Labels = Labels }, Path.Combine(_root, "standard"));
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
        var error = Assert.Throws<UserInputException>(() => new ContrastiveTrainer(session, Options, Labels, 0, new RecordingObserver(), new OrtSessionSettings()));
        Assert.Contains("standard fine-tuning", error.Message);
    }

    private static float[] Softmax(float[] logits)
    {
        double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
        return logits.Select(v => (float)(Math.Exp(v - max) / sum)).ToArray();
    }
}
