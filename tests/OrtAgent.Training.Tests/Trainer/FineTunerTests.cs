using OrtAgent.Runtime;
using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Data;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>End-to-end runs of the training loop on a tiny BERT and a data set whose label is "token 10 occurs".</summary>
public sealed class FineTunerTests : IDisposable
{
    private readonly TempDirectory _root = new("finetune");
    private readonly string _base;

    public FineTunerTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    /// <summary>Token ids in the tiny vocabulary; label 1 ("yes") when token 10 occurs.</summary>
    internal static TokenizedDataset Synthetic(int count, int seed)
    {
        var random = new Random(seed);
        var examples = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            var tokens = new List<int> { 2 };
            int length = random.Next(3, 10);
            for (int t = 0; t < length; t++) tokens.Add(random.Next(20, 60));
            if (label == 1) tokens.Insert(random.Next(1, tokens.Count), 10);
            tokens.Add(3);
            examples.Add([.. tokens]);
            labels.Add(label);
        }
        return TokenizedDataset.FromTokens(examples, labels);
    }

    private TrainingArtifacts Artifacts(string name) =>
        TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base, Labels = ["no", "yes"], Seed = 3 }, _root.Combine(name));

    private static FineTuningOptions Options(int epochs = 3, int patience = 0, int accumulation = 1) => new()
    {
        Epochs = epochs, BatchSize = 8, GradientAccumulation = accumulation, LearningRate = 1e-3, WarmupRatio = 0.1,
        Patience = patience, Seed = 11, Metric = ValidationMetric.Accuracy, MinimumSteps = 0,
    };

    private static (FineTuningResult Result, RecordingObserver Observer) Train(TrainingArtifacts artifacts, FineTuningOptions options,
        TrainerState? resume = null, CancellationToken cancel = default, Action<RecordingObserver>? onStep = null, bool staged = false,
        int validationCount = 32)
    {
        var observer = new RecordingObserver { OnStepHook = onStep };
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings(), staged);
        var tuner = new FineTuner(session, options, ["no", "yes"], padId: 0, observer);
        var result = tuner.Run(Synthetic(96, 1), Synthetic(validationCount, 2), resume, cancel);
        return (result, observer);
    }

    [Fact]
    public void TrainingLowersTheLossAndLearnsTheRule()
    {
        var (result, observer) = Train(Artifacts("learn"), Options(epochs: 6) with { LearningRate = 5e-3 });
        double first = observer.Steps.Take(3).Average(s => s.Loss), last = observer.Steps.TakeLast(3).Average(s => s.Loss);
        Assert.True(last < first * 0.7, $"loss went from {first:F4} to {last:F4}");
        Assert.True(result.BestMetric >= 0.9, $"validation accuracy {result.BestMetric}");
        Assert.Equal(72, result.Steps); // 96 examples / batch 8 = 12 steps per epoch
        Assert.All(observer.Steps, s => Assert.True(s.GradNorm > 0 && double.IsFinite(s.Loss)));
    }

    [Fact]
    public void SgdTrainingThroughTheOptimizerGraphLowersTheLoss()
    {
        // SGD has no fused host step, so this run exercises the optimizer session and its ping-pong buffers on the CPU.
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = _base, Labels = ["no", "yes"], Seed = 3, Optimizer = Optimizers.OptimizerKind.Sgd,
        }, _root.Combine("sgd"));
        var (result, observer) = Train(artifacts, Options(epochs: 6) with { LearningRate = 5e-2 });
        double first = observer.Steps.Take(3).Average(s => s.Loss), last = observer.Steps.TakeLast(3).Average(s => s.Loss);
        Assert.True(last < first * 0.7, $"loss went from {first:F4} to {last:F4}");
        Assert.True(result.BestMetric >= 0.9, $"validation accuracy {result.BestMetric}");
    }

    [Fact]
    public void TheDevicePathTrainsAsTheHostPathDoes()
    {
        // What CUDA runs, on the CPU: tensors reached only through the transfer session, zeros fed as the first
        // accumulators, the AdamW graph with its second buffers, staged downloads for evaluation and export.
        var (host, hostSteps) = Train(Artifacts("host"), Options(epochs: 2));
        var (staged, stagedSteps) = Train(Artifacts("staged"), Options(epochs: 2), staged: true);

        Assert.Equal(hostSteps.Steps.Count, stagedSteps.Steps.Count);
        foreach (var (a, b) in hostSteps.Steps.Zip(stagedSteps.Steps))
        {
            Assert.Equal(a.Loss, b.Loss, 1e-3 * Math.Abs(a.Loss));
            Assert.Equal(a.GradNorm, b.GradNorm, 1e-3 * Math.Abs(a.GradNorm));
        }
        Assert.Equal(host.BestMetric!.Value, staged.BestMetric!.Value, 1e-9);
    }

    [Fact]
    public void TheSameSeedGivesTheSameLosses()
    {
        var (_, a) = Train(Artifacts("a"), Options(epochs: 1));
        var (_, b) = Train(Artifacts("b"), Options(epochs: 1));
        Assert.Equal(a.Steps.Select(s => s.Loss), b.Steps.Select(s => s.Loss));
    }

    [Fact]
    public void ResumingAfterCancellationReproducesTheUninterruptedRun()
    {
        var (_, full) = Train(Artifacts("full"), Options(epochs: 2));

        var interrupted = Artifacts("interrupted");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train(interrupted, Options(epochs: 2), cancel: cancel.Token, onStep: o => { if (o.Steps.Count == 17) cancel.Cancel(); }));
        var reopened = TrainingArtifacts.Open(interrupted.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(17, state.Step);
        var (_, resumed) = Train(reopened, Options(epochs: 2), resume: state);

        var expected = full.Steps.Skip(17).Select(s => s.Loss).ToArray();
        var actual = resumed.Steps.Select(s => s.Loss).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    /// <summary>
    /// A run killed hard (no stop, so no checkpoint on the way out) resumes from the last checkpoint its interval wrote,
    /// mid-epoch, and continues as the uninterrupted run: with epoch-end checkpoints alone (every 5 epochs at 12 steps
    /// an epoch, so none in these 2) it had nothing to resume from. The default interval (10 minutes) writes none here.
    /// </summary>
    [Fact]
    public void AKilledRunResumesFromTheCheckpointItsIntervalWroteMidEpoch()
    {
        var (_, full) = Train(Artifacts("full"), Options(epochs: 2));
        Assert.Equal([24L], full.SavedCheckpoints);

        var killed = Artifacts("killed");
        var everyStep = Options(epochs: 2) with { CheckpointInterval = TimeSpan.Zero };
        Assert.Throws<IOException>(() =>
            Train(killed, everyStep, onStep: o => { if (o.Steps.Count == 17) throw new IOException("killed"); }));
        var reopened = TrainingArtifacts.Open(killed.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(16, state.Step);
        Assert.Equal(2, state.Epoch);
        var (_, resumed) = Train(reopened, Options(epochs: 2), resume: state);

        var expected = full.Steps.Skip(16).Select(s => s.Loss).ToArray();
        var actual = resumed.Steps.Select(s => s.Loss).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    /// <summary>
    /// The start of training is reported once, before the first step, from the step the run continues: the service told
    /// a starting job from a training one by its first reported step, every 10 steps, so a cancel at steps 1 to 9 was
    /// recorded as one before training. A throw there (the service's, for a job cancelled while starting) ends the run
    /// before any step, with no checkpoint written for the host to delete.
    /// </summary>
    [Fact]
    public void TheStartOfTrainingIsReportedOnceBeforeTheFirstStepFromTheStepResumed()
    {
        var artifacts = Artifacts("started");
        using var cancel = new CancellationTokenSource();
        RecordingObserver? interrupted = null;
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train(artifacts, Options(epochs: 2), cancel: cancel.Token, onStep: o => { interrupted = o; if (o.Steps.Count == 5) cancel.Cancel(); }));
        Assert.Equal([(0L, 0)], interrupted!.TrainingStarts);
        var reopened = TrainingArtifacts.Open(artifacts.Directory);
        var (_, resumed) = Train(reopened, Options(epochs: 2), resume: TrainerState.Load(reopened.TrainerStatePath));
        Assert.Equal([(5L, 0)], resumed.TrainingStarts);

        var refused = Artifacts("refused-at-start");
        var observer = new RecordingObserver { OnTrainingStartedHook = _ => throw new OperationCanceledException() };
        using (var session = TrainingSession.Create(refused, new OrtSessionSettings(), false))
            Assert.Throws<OperationCanceledException>(() =>
                new FineTuner(session, Options(), ["no", "yes"], padId: 0, observer).Run(Synthetic(96, 1), Synthetic(32, 2), null, default));
        Assert.Empty(observer.Steps);
        Assert.Empty(observer.SavedCheckpoints);
        Assert.False(File.Exists(refused.TrainerStatePath));
    }

    /// <summary>
    /// A save of the checkpoint a resumed run continues from is reported once it is on disk, with the step it holds, and
    /// one at an evaluation's step or later follows every evaluation (12 steps an epoch save every 5 epochs, so the
    /// evaluations of epochs 6 and 7 wait for the finished run's): the service lists evaluations as resume points from
    /// these reports, where it listed each at once and a job killed after one resumed before it.
    /// </summary>
    [Fact]
    public void EverySaveIsReportedOnceOnDiskAndOneFollowsEveryEvaluation()
    {
        var artifacts = Artifacts("saves");
        var observer = new RecordingObserver { OnCheckpointSavedHook = step => Assert.Equal(step, TrainerState.Load(artifacts.TrainerStatePath).Step) };
        using (var session = TrainingSession.Create(artifacts, new OrtSessionSettings(), false))
            new FineTuner(session, Options(epochs: 7), ["no", "yes"], padId: 0, observer).Run(Synthetic(96, 1), Synthetic(32, 2), null, default);

        Assert.Equal(7, observer.Evaluations.Count);
        Assert.Equal(observer.Steps[^1].Step, observer.SavedCheckpoints[^1]);
        foreach (var evaluation in observer.Evaluations)
            Assert.Contains(observer.Reports.Skip(observer.Reports.IndexOf($"evaluated {evaluation.Step}")),
                r => r.StartsWith("saved ", StringComparison.Ordinal) && long.Parse(r[6..], System.Globalization.CultureInfo.InvariantCulture) >= evaluation.Step);
    }

    /// <summary>
    /// Cancellation was seen between optimizer steps only, so one requested just before an evaluation waited for all of
    /// it. Cancelled at step 12, the end of epoch 1, the evaluation that follows (96 validation examples, three batches)
    /// now stops before its first batch, nothing of it recorded; the checkpoint is step 12's, and the resumed run
    /// evaluates first, so its evaluations and steps are the uninterrupted run's.
    /// </summary>
    [Fact]
    public void CancellingDuringAnEvaluationStopsItAndTheResumedRunEvaluatesItFirst()
    {
        var options = Options(epochs: 2);
        var (_, full) = Train(Artifacts("eval-full"), options, validationCount: 96);

        var interrupted = Artifacts("eval-interrupted");
        using var cancel = new CancellationTokenSource();
        RecordingObserver? observed = null;
        Assert.ThrowsAny<OperationCanceledException>(() => Train(interrupted, options, cancel: cancel.Token, validationCount: 96,
            onStep: o => { observed = o; if (o.Steps.Count == 12) cancel.Cancel(); }));
        Assert.Equal(12, observed!.Steps.Count);
        Assert.Empty(observed.Evaluations);
        var reopened = TrainingArtifacts.Open(interrupted.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(12, state.Step);
        var (_, resumed) = Train(reopened, options, resume: state, validationCount: 96);

        Assert.Equal(full.Evaluations.Select(e => e.Step), resumed.Evaluations.Select(e => e.Step));
        Assert.Equal(full.Evaluations.Select(e => e.Report.Accuracy), resumed.Evaluations.Select(e => e.Report.Accuracy));
        for (int i = 0; i < full.Evaluations.Count; i++)
            Assert.Equal(full.Evaluations[i].Report.Loss!.Value, resumed.Evaluations[i].Report.Loss!.Value, 5);
        var expected = full.Steps.Skip(12).Select(s => s.Loss).ToArray();
        var actual = resumed.Steps.Select(s => s.Loss).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    /// <summary>
    /// A stop asked for while a checkpoint is written (from the save's report here, as a service's pause landing during
    /// the write) stops at that step boundary. It was looked at before the interval's save, so the run trained one more
    /// step and wrote a second checkpoint; after an epoch's save it stopped at that step but wrote the same checkpoint again.
    /// </summary>
    [Theory]
    [InlineData(0, 2, 5)]    // a checkpoint every step (an interval of 0): stopped during step 5's
    [InlineData(-1, 7, 60)]  // epoch ends only: 12 steps an epoch, a save every 5 epochs, stopped during step 60's
    public void AStopAskedForDuringASaveStopsAtThatStepWithoutWritingItAgain(int intervalSeconds, int epochs, long stopDuring)
    {
        var artifacts = Artifacts($"stop-during-save-{stopDuring}");
        var options = Options(epochs) with { CheckpointInterval = intervalSeconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(intervalSeconds) };
        using var cancel = new CancellationTokenSource();
        var observer = new RecordingObserver { OnCheckpointSavedHook = step => { if (step == stopDuring) cancel.Cancel(); } };
        using (var session = TrainingSession.Create(artifacts, new OrtSessionSettings(), false))
            Assert.ThrowsAny<OperationCanceledException>(() =>
                new FineTuner(session, options, ["no", "yes"], padId: 0, observer).Run(Synthetic(96, 1), Synthetic(32, 2), null, cancel.Token));

        Assert.Equal(stopDuring, observer.Steps[^1].Step);
        Assert.Equal([stopDuring], observer.StoppedAt);
        Assert.Equal(stopDuring, observer.SavedCheckpoints[^1]);
        Assert.Single(observer.SavedCheckpoints, step => step == stopDuring);
        Assert.Equal(stopDuring, TrainerState.Load(TrainingArtifacts.Open(artifacts.Directory).TrainerStatePath).Step);
    }

    /// <summary>
    /// A stop asked for while the epoch's evaluation runs (from its last step's report, as a pause landing as it begins)
    /// stops at that step; one asked for once it is recorded (from its report) stops there too, before another step,
    /// and writes the checkpoint with the evaluation in it, not pending.
    /// </summary>
    [Fact]
    public void AStopAskedForDuringOrRightAfterAnEvaluationStopsAtItsStep()
    {
        var artifacts = Artifacts("stop-after-evaluation");
        using var cancel = new CancellationTokenSource();
        var observer = new RecordingObserver { OnEvaluationHook = evaluation => { if (evaluation.Step == 12) cancel.Cancel(); } };
        using (var session = TrainingSession.Create(artifacts, new OrtSessionSettings(), false))
            Assert.ThrowsAny<OperationCanceledException>(() =>
                new FineTuner(session, Options(epochs: 2), ["no", "yes"], padId: 0, observer).Run(Synthetic(96, 1), Synthetic(32, 2), null, cancel.Token));

        Assert.Equal(12, observer.Steps[^1].Step);
        Assert.Equal([12L], observer.StoppedAt);
        var state = TrainerState.Load(TrainingArtifacts.Open(artifacts.Directory).TrainerStatePath);
        Assert.Equal(12, state.Step);
        Assert.False(state.EvaluationPending);
    }

    [Fact]
    public void AccumulatingTwoHalfBatchesMatchesOneFullBatch()
    {
        // Dropout off so the two runs see the same network; the loss scale makes the summed gradients a mean.
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base, Labels = ["no", "yes"], DropoutRatio = 0 }, _root.Combine("acc"));
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings());
        var data = Synthetic(8, 5);
        var whole = TrainingBatch.Collate(data, [0, 1, 2, 3], 0);
        session.TrainStep(whole);
        float wholeNorm = session.OptimizerStep(0, 0);
        session.TrainStep(TrainingBatch.Collate(data, [0, 1], 0), 0.5f);
        session.TrainStep(TrainingBatch.Collate(data, [2, 3], 0), 0.5f);
        float accumulatedNorm = session.OptimizerStep(0, 0);
        Assert.Equal(wholeNorm, accumulatedNorm, 3);
    }

    [Fact]
    public void ResumingWithAnotherSeedNamesTheSeedOption()
    {
        var error = Assert.Throws<InvalidOptionException>(() =>
            Train(Artifacts("reseed"), Options() with { Seed = 12 }, resume: new TrainerState { Seed = 11 }));
        Assert.Equal("FineTuningOptions.Seed = 12: the checkpoint being resumed was trained with seed 11", error.Message);
    }

    /// <summary>
    /// A checkpoint records how its run batched and how much it read: resumed with another batch size, accumulation
    /// or data, the run would continue at another place than the uninterrupted one (the CLI's own record catches
    /// this for its runs; a library caller had only the seed checked). Checkpoints without the record still resume.
    /// </summary>
    [Fact]
    public void ResumingWithAnotherBatchingOrOtherDataIsRefusedBeforeAnyStep()
    {
        var artifacts = Artifacts("shape");
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Train(artifacts, Options(epochs: 2), cancel: cancel.Token, onStep: o => { if (o.Steps.Count == 3) cancel.Cancel(); }));
        var reopened = TrainingArtifacts.Open(artifacts.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(new RunShape(Options().BatchSize, 1, 96, 32), state.Shape);

        var batch = Assert.Throws<InvalidOptionException>(() => Train(reopened, Options(epochs: 2) with { BatchSize = Options().BatchSize * 2 }, resume: state));
        Assert.Equal($"FineTuningOptions.BatchSize = {Options().BatchSize * 2}: the checkpoint being resumed was trained at batch size {Options().BatchSize}", batch.Message);
        var accumulation = Assert.Throws<InvalidOptionException>(() => Train(reopened, Options(epochs: 2, accumulation: 2), resume: state));
        Assert.StartsWith("FineTuningOptions.GradientAccumulation = 2: the checkpoint being resumed was trained accumulating 1", accumulation.Message);
        var data = Assert.Throws<UserInputException>(() => Train(reopened, Options(epochs: 2), resume: state, validationCount: 16));
        Assert.Equal("the checkpoint being resumed was trained on 96 training and 32 validation examples, and these are 96 and 16: resume with the data it was trained on", data.Message);
        Assert.Equal(3, TrainerState.Load(reopened.TrainerStatePath).Step);   // nothing trained by the refusals

        var (_, resumed) = Train(reopened, Options(epochs: 2), resume: state with { Shape = null });
        Assert.NotEmpty(resumed.Steps);
    }

    /// <summary>A learning rate this high wrecks the model after it learns, so accuracy stops improving and the run stops early.</summary>
    private static FineTuningOptions WreckingOptions => new()
    {
        Epochs = 20, BatchSize = 8, LearningRate = 0.3, Patience = 2, Seed = 11, WarmupRatio = 0, Scheduler = LearningRateScheduleKind.Constant, MinimumSteps = 0,
    };

    /// <summary>A stop that falls on the last evaluation cuts nothing short: the run ended, and is not said to have stopped early.</summary>
    [Fact]
    public void AStopDueAtTheLastEvaluationIsNotAnEarlyStop()
    {
        var options = WreckingOptions;
        var (stopped, first) = Train(Artifacts("stop-at"), options);
        Assert.True(stopped.StoppedEarly);

        // A constant rate makes the shorter run the same run up to its end, where the stop now falls.
        var (ended, second) = Train(Artifacts("end-at"), options with { Epochs = first.Evaluations.Count });

        Assert.Equal(first.Evaluations.Count, second.Evaluations.Count);
        Assert.False(ended.StoppedEarly);
        Assert.DoesNotContain(second.Messages, m => m.StartsWith("Early stop"));
    }

    [Fact]
    public void EarlyStoppingEndsTheRunAndKeepsTheBestParameters()
    {
        // Under de-DE, whose decimal comma the early-stop message printed ("best 0,9375").
        using var german = GermanCulture.Use();
        var options = WreckingOptions;
        var (result, observer) = Train(Artifacts("stop"), options);
        Assert.True(result.StoppedEarly);
        Assert.True(observer.Evaluations.Count < 20);
        // 32 validation examples: judged on the mean of the last three evaluations; the result is the best one's own accuracy.
        var best = observer.Evaluations.Last(e => e.IsBest);
        Assert.Equal(observer.Evaluations.Max(e => e.MonitoredValue), best.MonitoredValue);
        Assert.Equal(best.Report.Accuracy, result.BestMetric);
        Assert.Contains(FormattableString.Invariant($"Early stop: accuracy has not improved for 2 evaluations (best {best.MonitoredValue:F4} at step {result.BestStep})."),
            observer.Messages);
    }

    [Fact]
    public void OnTinyDataTheMinimumStepsRaiseTheEpochsAndEarlyStoppingWaitsForThem()
    {
        // 96 examples at batch 8 are 12 steps an epoch: 2 epochs would be 24 steps, 40 need 4 epochs. Patience 1 and a
        // rate that wrecks the model would stop the run at once; the minimum keeps it going to step 40 at least.
        var options = new FineTuningOptions
        {
            Epochs = 2, BatchSize = 8, LearningRate = 0.3, Patience = 1, Seed = 11, WarmupRatio = 0, Scheduler = LearningRateScheduleKind.Constant, MinimumSteps = 40,
        };
        var (result, observer) = Train(Artifacts("minimum"), options);
        Assert.True(result.Steps >= 40, $"{result.Steps} steps");
        Assert.True(result.Steps <= 48);
        Assert.Contains(observer.Messages, m => m.Contains("training 4 epochs to take at least 40 steps"));
    }

    [Fact]
    public void ASmallValidationSetIsJudgedOnTheMeanOfTheLastThreeEvaluations()
    {
        var (_, observer) = Train(Artifacts("smooth"), Options(epochs: 5));
        var raw = observer.Evaluations.Select(e => e.Report.Accuracy).ToArray();
        for (int i = 0; i < raw.Length; i++)
            Assert.Equal(raw[Math.Max(0, i - 2)..(i + 1)].Average(), observer.Evaluations[i].MonitoredValue, 12);
        Assert.Contains(observer.Messages, m => m.Contains("32 validation examples"));
    }

    [Fact]
    public void AResumedRunSmoothsOverTheSameEvaluationsAndDoesNotAnnounceItsPlanAgain()
    {
        // Minimum steps 40 at 12 steps an epoch: 4 epochs, the smoothing window spanning the interruption.
        var options = Options(epochs: 2) with { MinimumSteps = 40 };
        var (_, full) = Train(Artifacts("plan-full"), options);

        var interrupted = Artifacts("plan-interrupted");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Train(interrupted, options, cancel: cancel.Token,
            onStep: o => { if (o.Steps.Count == 30) cancel.Cancel(); }));
        var reopened = TrainingArtifacts.Open(interrupted.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(2, state.RecentMetrics.Count);
        var (_, resumed) = Train(reopened, options, resume: state);

        Assert.Equal(full.Evaluations.Skip(2).Select(e => e.MonitoredValue), resumed.Evaluations.Select(e => e.MonitoredValue));
        Assert.Equal(2, full.Messages.Count(m => m.Contains("training 4 epochs") || m.Contains("validation examples")));
        Assert.DoesNotContain(resumed.Messages, m => m.Contains("training 4 epochs") || m.Contains("validation examples"));
    }

    /// <summary>A learning rate this high wrecks the model after it learns, so a run that chose by validation would stop early.</summary>
    private static FineTuningOptions Wrecking(int minimumValidationToSelect) => new()
    {
        Epochs = 8, BatchSize = 8, LearningRate = 0.3, Patience = 1, Seed = 11, WarmupRatio = 0, Scheduler = LearningRateScheduleKind.Constant,
        MinimumSteps = 0, MinimumValidationToSelect = minimumValidationToSelect,
    };

    [Fact]
    public void AValidationSetTooSmallToChooseByKeepsTheLastModelAndTakesEveryStep()
    {
        var (chosen, _) = Train(Artifacts("choose"), Wrecking(minimumValidationToSelect: 0), validationCount: 6);
        Assert.True(chosen.StoppedEarly, "the same run choosing on its 6 validation texts stops early");

        var (kept, observer) = Train(Artifacts("last"), Wrecking(minimumValidationToSelect: 20), validationCount: 6);
        Assert.False(kept.StoppedEarly);
        Assert.Equal(96, kept.Steps); // 8 epochs of 12 steps
        Assert.Equal(kept.Steps, kept.BestStep);
        var last = observer.Evaluations[^1];
        Assert.Equal(last.Report.Loss, kept.BestReport!.Loss);
        Assert.Equal(last.Report.Accuracy, kept.BestMetric);
        // Each evaluation's model is the one kept until the next replaces it (it was reported as never kept), judged on its own value.
        Assert.All(observer.Evaluations, e => Assert.True(e.IsBest, $"the evaluation at step {e.Step} is not marked as kept"));
        Assert.All(observer.Evaluations, e => Assert.Equal(e.Report.Accuracy, e.MonitoredValue));
        Assert.Contains(observer.Messages, m => m.Contains("6 validation examples are too few to choose the model by (under 20): all 96 steps are taken and the last model is kept"));
    }

    [Fact]
    public void KeepLastTakesEveryStepAndKeepsTheLastModelOfAValidationSetLargeEnoughToChooseBy()
    {
        var (chosen, _) = Train(Artifacts("keep-best"), Wrecking(minimumValidationToSelect: 20));
        Assert.True(chosen.StoppedEarly, "the same run choosing on its 32 validation texts stops early");

        var (kept, observer) = Train(Artifacts("keep-last"), Wrecking(minimumValidationToSelect: 20) with { Keep = ModelToKeep.Last });
        Assert.False(kept.StoppedEarly);
        Assert.Equal(96, kept.Steps);
        Assert.Equal(kept.Steps, kept.BestStep);
        Assert.Equal(observer.Evaluations[^1].Report.Loss, kept.BestReport!.Loss);
        Assert.All(observer.Evaluations, e => Assert.True(e.IsBest, $"the evaluation at step {e.Step} is not marked as kept"));
        Assert.All(observer.Evaluations, e => Assert.Equal(e.Report.Accuracy, e.MonitoredValue));
        Assert.Contains(observer.Messages, m => m.Contains("The last model is kept, as asked: all 96 steps are taken and the 32 validation examples are only reported"));
    }

    [Fact]
    public void AResumedRunThatKeepsItsLastModelEndsAsTheUninterruptedOne()
    {
        var options = Options(epochs: 2) with { MinimumValidationToSelect = 20 };
        var (full, _) = Train(Artifacts("last-full"), options, validationCount: 6);

        var interrupted = Artifacts("last-interrupted");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Train(interrupted, options, cancel: cancel.Token, validationCount: 6,
            onStep: o => { if (o.Steps.Count == 17) cancel.Cancel(); }));
        var reopened = TrainingArtifacts.Open(interrupted.Directory);
        var (resumed, _) = Train(reopened, options, resume: TrainerState.Load(reopened.TrainerStatePath), validationCount: 6);
        Assert.Equal(full.BestReport!.Loss!.Value, resumed.BestReport!.Loss!.Value, 5);
        Assert.Equal(full.BestStep, resumed.BestStep);

        // Resuming the finished run keeps the same model and evaluates it again for its report.
        var again = TrainingArtifacts.Open(interrupted.Directory);
        var (finished, observer) = Train(again, options, resume: TrainerState.Load(again.TrainerStatePath), validationCount: 6);
        Assert.Empty(observer.Steps);
        Assert.Equal(full.BestReport.Loss.Value, finished.BestReport!.Loss!.Value, 5);
    }

    [Theory]
    [InlineData(3, 100, 1, 100)]   // 16 texts at batch 16
    [InlineData(3, 100, 17, 6)]    // the embedded reviews: 270 texts
    [InlineData(3, 100, 50, 3)]    // enough data: the epochs stand
    [InlineData(3, 0, 1, 3)]       // off
    public void EpochsRiseToReachTheMinimumSteps(int epochs, int minimumSteps, int stepsPerEpoch, int expected) =>
        Assert.Equal(expected, new FineTuningOptions { Epochs = epochs, MinimumSteps = minimumSteps }.EpochsFor(stepsPerEpoch));

    /// <summary>
    /// A step whose loss was finite but whose gradients were not (every text's embedding of zero length, L2-normalised)
    /// was applied: every weight became NaN and the run stopped a step later blaming the loss, or not at all. It now
    /// stops at that step, naming the gradients; at step 1 the model trained from is to blame, and the checkpoint the
    /// artifacts began with is as it was.
    /// </summary>
    [Fact]
    public void GradientsThatAreNotFiniteAtTheFirstStepStopTheRunBlamingTheModel()
    {
        var zeroBase = _root.Combine("zero-base");
        TinyBertBuilder.WriteBaseModelWithZeroEmbeddings(zeroBase);
        var artifacts = NormalisingArtifacts(zeroBase, "zero-embeddings");
        var checkpoint = CheckpointFiles.Read(artifacts.CheckpointDirectory);

        var error = Assert.Throws<TrainingDivergedException>(() => Train(artifacts, Options()));

        Assert.Equal(1, error.Step);
        Assert.True(error.BeforeAnyUpdate);
        Assert.True(double.IsFinite(error.Loss) && error.Loss > 0, $"loss {error.Loss}");
        Assert.True(double.IsNaN(error.GradientNorm!.Value));
        Assert.Equal(FormattableString.Invariant($"the gradients at step 1 are not finite numbers (their norm is NaN, the loss {error.Loss:g4}), before any update: ")
            + "the model trained from holds weights whose gradients are not numbers; start from another", error.Message);
        Assert.Equal(checkpoint, CheckpointFiles.Read(artifacts.CheckpointDirectory));
    }

    /// <summary>
    /// Later in a run the learning rate is named. Resumed from step 5's checkpoint with the embeddings zeroed in it, step
    /// 6's gradients are not finite: the run stops there and the checkpoint on disk is byte for byte step 5's.
    /// </summary>
    [Fact]
    public void GradientsThatAreNotFiniteLaterStopTheRunNamingTheRateAndKeepTheCheckpoint()
    {
        var artifacts = NormalisingArtifacts(_base, "later");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train(artifacts, Options(), cancel: cancel.Token, onStep: o => { if (o.Steps.Count == 5) cancel.Cancel(); }));
        var reopened = TrainingArtifacts.Open(artifacts.Directory);
        var weights = SafeTensorsReader.Read(reopened.ModelCheckpointPath);
        SafeTensorsWriter.Write(reopened.ModelCheckpointPath, weights.Tensors.Select(p => p.Key.StartsWith("encoder.layer.1.output.LayerNorm.", StringComparison.Ordinal)
            ? new KeyValuePair<string, TensorData>(p.Key, TensorData.Create<float>(p.Value.Dims, new float[p.Value.ElementCount]))
            : p), weights.Metadata);
        var checkpoint = CheckpointFiles.Read(reopened.CheckpointDirectory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        Assert.Equal(5, state.Step);

        var error = Assert.Throws<TrainingDivergedException>(() => Train(reopened, Options(), resume: state));

        Assert.Equal(6, error.Step);
        Assert.False(error.BeforeAnyUpdate);
        Assert.Matches(@"^the gradients at step 6 are not finite numbers \(their norm is NaN, the loss [0-9.]+\): the run diverged; that step was not applied "
            + @"and the last checkpoint is as it was; lower FineTuningOptions\.LearningRate \(this step's rate: 0\.000[0-9]+\) and train again$", error.Message);
        Assert.Equal(checkpoint, CheckpointFiles.Read(reopened.CheckpointDirectory));
    }

    /// <summary>Artifacts whose head L2-normalises the embedding, as a standard run from a contrastive model's does.</summary>
    private TrainingArtifacts NormalisingArtifacts(string baseModel, string name) => TrainingArtifacts.Generate(
        new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"], Seed = 3, NormalizeEmbeddings = true }, _root.Combine(name));
}
