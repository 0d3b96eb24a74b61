using System.Diagnostics;
using OrtAgent.Onnx;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Data;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The fine-tuning loop over a <see cref="TrainingSession"/>: length-bucketed shuffled batches, gradient accumulation,
/// the learning-rate schedule, evaluation with early stopping, a checkpoint after every epoch (every few epochs when an
/// epoch is a handful of steps) and on cancellation. On tiny data the run takes at least
/// <see cref="FineTuningOptions.MinimumSteps"/> optimizer steps, a small validation set is judged on a moving mean, and
/// one too small to choose by (<see cref="FineTuningOptions.MinimumValidationToSelect"/>) keeps the last model, as does
/// <see cref="ModelToKeep.Last"/>.
/// Everything random is drawn from the seed and the position in the run (epoch, step), so two runs with one seed
/// agree, and a resumed run continues as the uninterrupted one would have.
/// </summary>
/// <remarks>
/// <see cref="Run"/> is three levels, each a method: epochs (<see cref="RunEpoch"/>), accumulation groups, each ending
/// in one optimizer step (<see cref="RunGroup"/>), and evaluation with early stopping (<see cref="EvaluateAndRecord"/>).
/// </remarks>
public sealed class FineTuner
{
    // What a divergence names as the rate to lower, built once rather than on every step.
    private static readonly string LearningRateOption = InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.LearningRate));

    private readonly TrainingSession _session;
    private readonly FineTuningOptions _options;
    private readonly ITrainingObserver _observer;
    private readonly IReadOnlyList<string> _labels;
    private readonly int _padId;

    /// <summary>Epoch-end checkpoints are written at most once per this many optimizer steps (every epoch on larger data).</summary>
    public const int MinimumStepsBetweenCheckpoints = 50;

    /// <param name="session">The session over the artifacts to train.</param>
    /// <param name="options">The run's hyperparameters; a <see cref="FineTuningOptions.LearningRate"/> left null is the default of what the session's artifacts train (<see cref="FineTuningOptions.WithLearningRateResolved"/>).</param>
    /// <param name="labels">Label names, in index order: as many as the artifacts have labels.</param>
    /// <param name="padId">The tokenizer's padding id.</param>
    /// <param name="observer">Receives steps, evaluations and messages.</param>
    /// <exception cref="UserInputException">An option is invalid, or <paramref name="labels"/> does not match the artifacts' label count.</exception>
    public FineTuner(TrainingSession session, FineTuningOptions options, IReadOnlyList<string> labels, int padId, ITrainingObserver observer)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        options.Validate();
        TrainingLabels.RequireNames(labels, session.Artifacts);
        _session = session;
        // A rate left unset is the default of what the artifacts train (hosts resolve it before, to record and show it).
        _options = options.WithLearningRateResolved(loraAdapters: session.Artifacts.Properties.Lora is not null);
        _labels = labels;
        _padId = padId;
        _observer = observer;
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/>. Cancellation is seen between
    /// micro-batches and between evaluation batches; the state at the last optimizer step is checkpointed before
    /// <see cref="OperationCanceledException"/> propagates (an evaluation it cut short is run again first on resuming).
    /// </summary>
    /// <exception cref="UserInputException">A data set is empty or holds a label outside the label names, or
    /// <paramref name="resume"/> was trained with another seed.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite numbers; the step was not applied.</exception>
    public FineTuningResult Run(TokenizedDataset train, TokenizedDataset validation, TrainerState? resume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        _session.ThrowIfDisposed();
        TrainingLabels.RequireInRange(train, validation, _labels);
        var start = TrainerState.StartOrResume(train, validation, resume, _options.Seed, InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.Seed)),
            (_options.BatchSize, InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.BatchSize))),
            (_options.GradientAccumulation, InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.GradientAccumulation))));
        var run = new RunProgress(_options, train, validation, start, _options.SelectsOnValidation(validation.Count) ? LoadBestParameters() : null);
        _observer.OnTrainingStarted(run.State.Step);
        if (run.State.Finished) return Finish(run, validation, cancellationToken);
        // Said once, when the run begins: a resumed run continues that one, and its metrics.jsonl (which keeps the
        // messages before the checkpoint) must end as the uninterrupted run's, not with the plan logged twice.
        if (run.State.Step == 0 && run.State.Epoch == 0) AnnouncePlan(run, train.Count, validation.Count);
        for (int epoch = Math.Max(1, run.State.Epoch); epoch <= run.Epochs && !run.StoppedEarly; epoch++)
            RunEpoch(run, train, validation, epoch, cancellationToken);
        run.State = run.State with { Finished = true };
        SaveCheckpoint(run.State);
        return Finish(run, validation, cancellationToken);
    }

    // "1 validation example is", "8 validation examples are".
    private static string ValidationExamples(int count) => count == 1 ? "1 validation example is" : $"{count} validation examples are";

    private void AnnouncePlan(RunProgress run, int trainingCount, int validationCount)
    {
        // The batcher cuts a batch to the data without a word; the batch size asked for stays recorded, which a resume compares.
        if (_options.BatchSize > trainingCount)
            _observer.OnMessage(trainingCount == 1
                ? $"Batch size {_options.BatchSize} is more than the 1 training example: each step takes it."
                : $"Batch size {_options.BatchSize} is more than the {trainingCount} training examples: each step takes all {trainingCount}.");
        if (run.Epochs > _options.Epochs)
            _observer.OnMessage($"{(run.StepsPerEpoch == 1 ? "1 optimizer step" : $"{run.StepsPerEpoch} optimizer steps")} an epoch: training {run.Epochs} epochs to take at least {_options.MinimumSteps} steps.");
        if (_options.Keep == ModelToKeep.Last)
            _observer.OnMessage($"The last model is kept, as asked: all {run.TotalSteps} steps are taken and the {ValidationExamples(validationCount)} only reported.");
        else if (!run.Selects)
            _observer.OnMessage($"{ValidationExamples(validationCount)} too few to choose the model by (under {_options.MinimumValidationToSelect}): all {run.TotalSteps} steps are taken and the last model is kept.");
        else if (run.Window > 1)
            _observer.OnMessage($"{validationCount} validation {(validationCount == 1 ? "example" : "examples")}: early stopping and the best model go by the mean {ValidationMetricNames.Of(_options.Metric)} of the last {run.Window} evaluations.");
    }

    /// <summary>Runs what remains of <paramref name="epoch"/>; checkpoints at its end unless it stopped early or was the last.</summary>
    private void RunEpoch(RunProgress run, TokenizedDataset train, TokenizedDataset validation, int epoch, CancellationToken cancellationToken)
    {
        var batches = run.Batcher.CreateBatches(run.Lengths, seed: unchecked(_options.Seed * 7919 + epoch));
        int micro = epoch == run.State.Epoch ? run.State.MicroBatchInEpoch : 0;
        run.State = run.State with { Epoch = epoch, MicroBatchInEpoch = micro };
        // Resumed from a checkpoint whose evaluation was cancelled: that evaluation comes first, as it did in the uninterrupted run.
        if (run.State.EvaluationPending)
        {
            run.State = run.State with { EvaluationPending = false };
            if (EvaluateAndRecord(run, validation, epoch, cancellationToken)) return;
        }
        while (micro < batches.Count)
        {
            if (run.Checkpoints.IsDue(run.State.Step)) SaveCheckpoint(run);
            // After the save, not before: a stop asked for while it was written (270 MB on minilm, seconds) stops at this
            // step boundary, where it trained one more step and wrote a second checkpoint.
            if (cancellationToken.IsCancellationRequested)
            {
                // Gradients of an unfinished accumulation group are dropped: the checkpoint is at the last step boundary.
                _session.LazyResetGrad();
                StopAtCheckpoint(run, run.State);
                cancellationToken.ThrowIfCancellationRequested();
            }
            micro = RunGroup(run, train, batches, micro, epoch);
            bool epochEnd = micro == batches.Count;
            if ((epochEnd || (_options.EvaluateEverySteps > 0 && run.State.Step % _options.EvaluateEverySteps == 0))
                && EvaluateAndRecord(run, validation, epoch, cancellationToken))
            {
                return;
            }
        }
        run.State = run.State with { Epoch = epoch + 1, MicroBatchInEpoch = 0 };
        // A checkpoint is the whole model and optimizer state (270 MB for minilm): on tiny data, whose epochs are a
        // step or two, writing one every epoch would cost more than training. Cancellation still writes one at once.
        if (epoch < run.Epochs && epoch % run.CheckpointEveryEpochs == 0) SaveCheckpoint(run);
    }

    /// <summary>
    /// Trains the accumulation group that starts at micro-batch <paramref name="micro"/> and takes its optimizer step;
    /// returns the next group's first micro-batch.
    /// </summary>
    private int RunGroup(RunProgress run, TokenizedDataset train, IReadOnlyList<int[]> batches, int micro, int epoch)
    {
        int groupSize = Math.Min(_options.GradientAccumulation, batches.Count - micro);
        double lossSum = 0;
        for (int k = 0; k < groupSize; k++)
        {
            var batch = TrainingBatch.Collate(train, batches[micro + k], _padId);
            // HashCode.Combine is salted per process, so the seed is mixed by hand to stay reproducible across runs.
            var dropout = new Random(unchecked(_options.Seed * 1_000_003 + (int)run.State.Step * 7919 + k));
            lossSum += _session.TrainStep(batch, 1f / groupSize, dropout);
            run.SamplesSinceReport += batch.Size;
        }
        double rate = run.Schedule.RateAt(run.State.Step);
        if (!double.IsFinite(lossSum))
        {
            RefuseAllWeightedZero(train, batches.Skip(micro).Take(groupSize), run.State.Step + 1);
            throw new TrainingDivergedException(run.State.Step + 1, lossSum / groupSize, LearningRateOption, rate);
        }
        double norm = _session.OptimizerStep(rate, _options.MaxGradNorm);
        if (!double.IsFinite(norm)) throw TrainingDivergedException.GradientsNotFinite(run.State.Step + 1, lossSum / groupSize, norm, LearningRateOption, rate);
        micro += groupSize;
        run.State = run.State with { Step = run.State.Step + 1, MicroBatchInEpoch = micro };
        if (run.State.Step % _options.LogEverySteps == 0 || micro == batches.Count)
        {
            double seconds = run.Throughput.Elapsed.TotalSeconds;
            _observer.OnStep(new TrainingStepInfo(epoch, run.State.Step, run.TotalSteps, lossSum / groupSize, rate, norm,
                seconds > 0 ? run.SamplesSinceReport / seconds : 0));
            run.Throughput.Restart();
            run.SamplesSinceReport = 0;
        }
        CrashPoint.Reach(CrashPoint.TrainStep);
        return micro;
    }

    /// <summary>
    /// A batch whose examples are all of classes weighted 0 has a weighted mean loss of 0/0: neither the model nor the
    /// learning rate is at fault, so it is told as the class weights' doing, not as divergence.
    /// </summary>
    private void RefuseAllWeightedZero(TokenizedDataset train, IEnumerable<int[]> batches, long step)
    {
        if (_session.Artifacts.Properties.ClassWeights is not { } weights) return;
        if (!batches.Any(batch => batch.All(example => weights[train.Label(example)] == 0f))) return;
        throw new UserInputException(
            $"the examples of step {step} are all of classes weighted 0 ({InvalidOptionException.Name<Artifacts.TrainingArtifactsOptions>(nameof(Artifacts.TrainingArtifactsOptions.ClassWeights))}), so its weighted loss is 0/0; " +
            "weigh every class that has training examples above 0, or leave that class's examples out");
    }

    /// <summary>
    /// Evaluates, keeps the parameters when the monitored metric improved, and returns true when early stopping ends the run.
    /// </summary>
    private bool EvaluateAndRecord(RunProgress run, TokenizedDataset validation, int epoch, CancellationToken cancellationToken)
    {
        ClassificationReport report;
        try
        {
            report = Evaluate(validation, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The step is complete and nothing of this evaluation was recorded: the checkpoint is the step's, marked so
            // that a resumed run evaluates before its next step, as the uninterrupted run did.
            StopAtCheckpoint(run, run.State with { EvaluationPending = true });
            throw;
        }
        if (!run.Selects)
        {
            double latest = report.Metric(_options.Metric);
            run.BestReport = report;
            run.State = run.State with { BestMetric = latest, BestStep = run.State.Step };
            // Not chosen between, but kept all the same: the latest model is the run's, until the next evaluation replaces it.
            _observer.OnEvaluation(new EvaluationInfo(epoch, run.State.Step, report, IsBest: true, latest) { ChosenByValidation = false });
            return false;
        }
        var recent = run.State.RecentMetrics.Append(report.Metric(_options.Metric)).TakeLast(run.Window).ToArray();
        run.State = run.State with { RecentMetrics = recent };
        double value = recent.Average();
        bool improved = run.Stopping.Record(value);
        if (improved)
        {
            run.BestReport = report;
            run.BestParameters = CurrentParameters();
            run.State = run.State with { BestMetric = value, BestStep = run.State.Step };
        }
        run.State = run.State with { EvaluationsSinceBest = run.Stopping.EvaluationsSinceBest };
        _observer.OnEvaluation(new EvaluationInfo(epoch, run.State.Step, report, improved, value));
        if (improved) _session.Artifacts.SaveBest(run.BestParameters!, run.State.Step);
        // At the last step there is nothing left to cut short: the run ended, it did not stop early.
        if (!run.Stopping.ShouldStop || run.State.Step < _options.MinimumSteps || run.State.Step >= run.TotalSteps) return false;
        run.StoppedEarly = true;
        _observer.OnMessage(FormattableString.Invariant($"Early stop: {ValidationMetricNames.Of(_options.Metric)} has not improved for {run.Stopping.EvaluationsSinceBest} evaluations (best {run.Stopping.Best:F4} at step {run.State.BestStep})."));
        return true;
    }

    /// <summary>
    /// Runs the eval model over <paramref name="data"/> in length-sorted batches; <paramref name="cancellationToken"/> is
    /// checked before each batch, so a long evaluation stops within one batch of being cancelled.
    /// </summary>
    /// <exception cref="UserInputException">An example's label is outside the label names.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the session is unchanged.</exception>
    public ClassificationReport Evaluate(TokenizedDataset data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        TrainingLabels.RequireInRange(data, "evaluation", _labels);
        var builder = new ClassificationReportBuilder(_labels);
        var batcher = LengthBucketBatcher.Create(new LengthBucketBatcherOptions { BatchSize = Math.Max(_options.BatchSize, 32), Shuffle = false });
        foreach (var indices in batcher.CreateBatches(data.Lengths()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = TrainingBatch.Collate(data, indices, _padId);
            var (loss, logits) = _session.EvalStep(batch);
            builder.AddBatch(batch.Labels.Select(l => (int)l).ToArray(), logits);
            builder.AddLoss(loss, batch.Size);
        }
        return builder.Build();
    }

    private List<KeyValuePair<string, TensorData>> CurrentParameters() => [.. _session.GetParameters(), .. _session.FrozenParameters];

    private string BestPath => _session.Artifacts.BestModelPath;

    private List<KeyValuePair<string, TensorData>>? LoadBestParameters() =>
        File.Exists(BestPath) ? Checkpoints.SafeTensorsReader.Read(BestPath).Tensors.ToList() : null;

    /// <summary>
    /// Checkpoints <paramref name="state"/> for a cancelled run and says where it stopped; the caller then throws. A stop
    /// right after a save of this very state (an epoch's end, the interval's) writes nothing again: the second write of
    /// the whole model and optimizer state only delayed the stop it answered.
    /// </summary>
    private void StopAtCheckpoint(RunProgress run, TrainerState state)
    {
        if (state.ToJson() != run.SavedState) SaveCheckpoint(state);
        _observer.OnStoppedAtCheckpoint(state.Step, _session.Artifacts.CheckpointDirectory);
    }

    /// <summary>Checkpoints a run that goes on training, and restarts its clock.</summary>
    private void SaveCheckpoint(RunProgress run)
    {
        SaveCheckpoint(run.State);
        // Parameters and optimizer state change only with a step, which changes the state: an equal state is this checkpoint.
        run.SavedState = run.State.ToJson();
        run.Checkpoints.Written(run.State.Step);
    }

    private void SaveCheckpoint(TrainerState state)
    {
        _session.Artifacts.SaveCheckpoint(CurrentParameters(), _session.GetOptimizerState(),
            _session.Artifacts.Properties with { Step = state.Step, Epoch = state.Epoch }, state.ToJson());
        _observer.OnCheckpointSaved(state.Step);
    }

    /// <summary>The result of a finished run, whose checkpoint is written: cancelled here, a resume comes back to this.</summary>
    private FineTuningResult Finish(RunProgress run, TokenizedDataset validation, CancellationToken cancellationToken)
    {
        try
        {
            if (run.BestReport is null && !run.Selects)
            {
                // Resumed after the last evaluation: the kept model is the current one, and so is its report.
                run.BestReport = Evaluate(validation, cancellationToken);
            }
            else if (run.BestReport is null && run.BestParameters is not null)
            {
                // The best evaluation happened before a resume: evaluating its saved parameters again gives the report the
                // uninterrupted run kept in memory, so the export records the same metrics whether or not the run was resumed.
                _session.SetParameters(run.BestParameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
                run.BestReport = Evaluate(validation, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _observer.OnStoppedAtCheckpoint(run.State.Step, _session.Artifacts.CheckpointDirectory);
            throw;
        }
        // The best report's own metric (not its smoothed value) is what the exported model records and promotion compares.
        return new(run.BestReport, run.BestReport?.Metric(_options.Metric) ?? run.State.BestMetric, run.State.BestStep, run.State.Step, run.StoppedEarly,
            run.BestParameters ?? CurrentParameters(), run.Clock.Elapsed);
    }

    /// <summary>What one <see cref="Run"/> carries from step to step besides the session's tensors.</summary>
    private sealed class RunProgress
    {
        public RunProgress(FineTuningOptions options, TokenizedDataset train, TokenizedDataset validation, TrainerState state,
            List<KeyValuePair<string, TensorData>>? bestParameters)
        {
            StepsPerEpoch = options.StepsPerEpoch(train.Count);
            Epochs = options.EpochsFor(StepsPerEpoch);
            TotalSteps = (long)StepsPerEpoch * Epochs;
            CheckpointEveryEpochs = Math.Max(1, (MinimumStepsBetweenCheckpoints + StepsPerEpoch - 1) / StepsPerEpoch);
            Window = options.SmoothingWindowFor(validation.Count);
            Selects = options.SelectsOnValidation(validation.Count);
            Schedule = options.ScheduleFor(train.Count);
            Stopping = new EarlyStopping(options.Metric, options.Patience);
            Stopping.Restore(state.BestMetric, state.EvaluationsSinceBest);
            Lengths = train.Lengths();
            Batcher = LengthBucketBatcher.Create(new LengthBucketBatcherOptions { BatchSize = options.BatchSize, Shuffle = true });
            State = state;
            BestParameters = bestParameters;
            Checkpoints = new CheckpointClock(options.CheckpointInterval, state.Step);
        }

        /// <summary>When a checkpoint is due between the epoch-end ones.</summary>
        public CheckpointClock Checkpoints { get; }

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public int StepsPerEpoch { get; }

        /// <summary>The epochs to run: the options' own, or more to take the minimum steps.</summary>
        public int Epochs { get; }

        public long TotalSteps { get; }

        public int CheckpointEveryEpochs { get; }

        /// <summary>Whether the validation set chooses the model and may stop the run early; if not, the last model is kept.</summary>
        public bool Selects { get; }

        /// <summary>Evaluations averaged when judging the validation set.</summary>
        public int Window { get; }

        public LearningRateSchedule Schedule { get; }

        public EarlyStopping Stopping { get; }

        public LengthBucketBatcher Batcher { get; }

        public int[] Lengths { get; }

        public TrainerState State { get; set; }

        public ClassificationReport? BestReport { get; set; }

        public List<KeyValuePair<string, TensorData>>? BestParameters { get; set; }

        public bool StoppedEarly { get; set; }

        /// <summary>Times the samples trained since the last progress report, for samples per second.</summary>
        public Stopwatch Throughput { get; } = Stopwatch.StartNew();

        public long SamplesSinceReport { get; set; }

        /// <summary>The trainer state of the last checkpoint this run wrote and trains on from (as JSON), or null before one.</summary>
        public string? SavedState { get; set; }
    }
}
