using System.Diagnostics;
using OrtAgent.Onnx;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Data;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The fine-tuning loop over a <see cref="TrainingSession"/>: length-bucketed shuffled batches, gradient accumulation,
/// the learning-rate schedule, evaluation with early stopping, a checkpoint after every epoch and on cancellation.
/// Everything random is drawn from the seed and the position in the run (epoch, step), so two runs with one seed
/// agree, and a resumed run continues as the uninterrupted one would have.
/// </summary>
public sealed class FineTuner
{
    private readonly TrainingSession _session;
    private readonly FineTuningOptions _options;
    private readonly ITrainingObserver _observer;
    private readonly IReadOnlyList<string> _labels;
    private readonly int _padId;

    public FineTuner(TrainingSession session, FineTuningOptions options, IReadOnlyList<string> labels, int padId, ITrainingObserver observer)
    {
        options.Validate();
        _session = session;
        _options = options;
        _labels = labels;
        _padId = padId;
        _observer = observer;
    }

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/>. On cancellation the state at the
    /// last optimizer step is checkpointed before <see cref="OperationCanceledException"/> propagates.
    /// </summary>
    public FineTuningResult Run(TokenizedDataset train, TokenizedDataset validation, TrainerState? resume, CancellationToken cancellationToken)
    {
        if (train.Count == 0) throw new UserInputException("The training set is empty.");
        if (validation.Count == 0) throw new UserInputException("The validation set is empty.");
        var clock = Stopwatch.StartNew();
        int batchSize = _options.BatchSize, accumulation = _options.GradientAccumulation;
        int microPerEpoch = (train.Count + batchSize - 1) / batchSize;
        int stepsPerEpoch = (microPerEpoch + accumulation - 1) / accumulation;
        int epochs = _options.EpochsFor(stepsPerEpoch);
        long totalSteps = (long)stepsPerEpoch * epochs;
        if (epochs > _options.Epochs)
            _observer.OnMessage($"{stepsPerEpoch} optimizer steps an epoch: training {epochs} epochs to take at least {_options.MinimumSteps} steps (--min-steps).");
        int window = validation.Count < FineTuningOptions.SmallValidationSet ? FineTuningOptions.SmoothingWindow : 1;
        if (window > 1)
            _observer.OnMessage($"{validation.Count} validation examples: early stopping and the best model go by the mean {_options.Metric} of the last {window} evaluations.");
        var schedule = LearningRateSchedule.Create(_options.Scheduler, _options.LearningRate, totalSteps, _options.WarmupRatio);
        var stopping = new EarlyStopping(_options.Metric, _options.Patience);
        var state = resume ?? new TrainerState { Seed = _options.Seed };
        if (resume is not null && resume.Seed != _options.Seed)
            throw new UserInputException($"--seed {_options.Seed}: the checkpoint being resumed was trained with seed {resume.Seed}");
        stopping.Restore(state.BestMetric, state.EvaluationsSinceBest);
        ClassificationReport? bestReport = null;
        var bestParameters = LoadBestParameters();
        bool stoppedEarly = false;
        var lengths = train.Lengths();
        var batcher = LengthBucketBatcher.Create(new LengthBucketBatcherOptions { BatchSize = batchSize, Shuffle = true });
        var throughput = Stopwatch.StartNew();
        long samplesSinceReport = 0;

        if (state.Finished) return Finish(bestReport, state, stoppedEarly: false, bestParameters, validation, clock);
        for (int epoch = Math.Max(1, state.Epoch); epoch <= epochs; epoch++)
        {
            var batches = batcher.CreateBatches(lengths, seed: unchecked(_options.Seed * 7919 + epoch));
            int micro = epoch == state.Epoch ? state.MicroBatchInEpoch : 0;
            state = state with { Epoch = epoch, MicroBatchInEpoch = micro };
            while (micro < batches.Count)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Gradients of an unfinished accumulation group are dropped: the checkpoint is at the last step boundary.
                    _session.LazyResetGrad();
                    SaveCheckpoint(state);
                    _observer.OnMessage($"Cancelled at step {state.Step}; checkpoint written to {_session.Artifacts.CheckpointDirectory}.");
                    cancellationToken.ThrowIfCancellationRequested();
                }
                int groupSize = Math.Min(accumulation, batches.Count - micro);
                double lossSum = 0;
                for (int k = 0; k < groupSize; k++)
                {
                    var batch = TrainingBatch.Collate(train, batches[micro + k], _padId);
                    // HashCode.Combine is salted per process, so the seed is mixed by hand to stay reproducible across runs.
                    var dropout = new Random(unchecked(_options.Seed * 1_000_003 + (int)state.Step * 7919 + k));
                    lossSum += _session.TrainStep(batch, 1f / groupSize, dropout);
                    samplesSinceReport += batch.Size;
                }
                double rate = schedule.RateAt(state.Step);
                double norm = _session.OptimizerStep(rate, _options.MaxGradNorm);
                micro += groupSize;
                state = state with { Step = state.Step + 1, MicroBatchInEpoch = micro };
                if (state.Step % _options.LogEverySteps == 0 || micro == batches.Count)
                {
                    double seconds = throughput.Elapsed.TotalSeconds;
                    _observer.OnStep(new TrainingStepInfo(epoch, state.Step, totalSteps, lossSum / groupSize, rate, norm, seconds > 0 ? samplesSinceReport / seconds : 0));
                    throughput.Restart();
                    samplesSinceReport = 0;
                }
                CrashPoint.Reach(CrashPoint.TrainStep);
                bool epochEnd = micro == batches.Count;
                if (epochEnd || (_options.EvaluateEverySteps > 0 && state.Step % _options.EvaluateEverySteps == 0))
                {
                    var report = Evaluate(validation);
                    var recent = state.RecentMetrics.Append(report.Metric(_options.Metric)).TakeLast(window).ToArray();
                    state = state with { RecentMetrics = recent };
                    double value = recent.Average();
                    bool improved = stopping.Record(value);
                    if (improved)
                    {
                        bestReport = report;
                        bestParameters = CurrentParameters();
                        state = state with { BestMetric = value, BestStep = state.Step };
                    }
                    state = state with { EvaluationsSinceBest = stopping.EvaluationsSinceBest };
                    _observer.OnEvaluation(new EvaluationInfo(epoch, state.Step, report, improved, value));
                    if (improved) SaveBest(bestParameters!);
                    if (stopping.ShouldStop && state.Step >= _options.MinimumSteps)
                    {
                        stoppedEarly = true;
                        _observer.OnMessage($"Early stop: {_options.Metric} has not improved for {stopping.EvaluationsSinceBest} evaluations (best {stopping.Best:F4} at step {state.BestStep}).");
                        break;
                    }
                }
            }
            if (stoppedEarly) break;
            state = state with { Epoch = epoch + 1, MicroBatchInEpoch = 0 };
            if (epoch < epochs) SaveCheckpoint(state);
        }
        state = state with { Finished = true };
        SaveCheckpoint(state);
        return Finish(bestReport, state, stoppedEarly, bestParameters, validation, clock);
    }

    /// <summary>Runs the eval model over <paramref name="data"/> in length-sorted batches.</summary>
    public ClassificationReport Evaluate(TokenizedDataset data)
    {
        var builder = new ClassificationReportBuilder(_labels);
        var batcher = LengthBucketBatcher.Create(new LengthBucketBatcherOptions { BatchSize = Math.Max(_options.BatchSize, 32), Shuffle = false });
        foreach (var indices in batcher.CreateBatches(data.Lengths()))
        {
            var batch = TrainingBatch.Collate(data, indices, _padId);
            var (loss, logits) = _session.EvalStep(batch);
            builder.AddBatch(batch.Labels.Select(l => (int)l).ToArray(), logits);
            builder.AddLoss(loss, batch.Size);
        }
        return builder.Build();
    }

    private List<KeyValuePair<string, TensorData>> CurrentParameters() => [.. _session.GetParameters(), .. _session.FrozenParameters];

    private string BestPath => Path.Combine(_session.Artifacts.Directory, "best", "model.safetensors");

    private void SaveBest(IReadOnlyList<KeyValuePair<string, TensorData>> parameters) =>
        Checkpoints.SafeTensorsWriter.Write(BestPath, parameters, null);

    private List<KeyValuePair<string, TensorData>>? LoadBestParameters() =>
        File.Exists(BestPath) ? Checkpoints.SafeTensorsReader.Read(BestPath).Tensors.ToList() : null;

    private void SaveCheckpoint(TrainerState state) =>
        _session.Artifacts.SaveCheckpoint(CurrentParameters(), _session.GetOptimizerState(),
            _session.Artifacts.Properties with { Step = state.Step, Epoch = state.Epoch }, state.ToJson());

    private FineTuningResult Finish(ClassificationReport? bestReport, TrainerState state, bool stoppedEarly,
        IReadOnlyList<KeyValuePair<string, TensorData>>? bestParameters, TokenizedDataset validation, Stopwatch clock)
    {
        if (bestReport is null && bestParameters is not null)
        {
            // The best evaluation happened before a resume: evaluating its saved parameters again gives the report the
            // uninterrupted run kept in memory, so the export records the same metrics whether or not the run was resumed.
            _session.SetParameters(bestParameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
            bestReport = Evaluate(validation);
        }
        // The best report's own metric (not its smoothed value) is what the exported model records and promotion compares.
        return new(bestReport, bestReport?.Metric(_options.Metric) ?? state.BestMetric, state.BestStep, state.Step, stoppedEarly,
            bestParameters ?? CurrentParameters(), clock.Elapsed);
    }
}
