using System.Diagnostics;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Data;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// SetFit-style training in two stages over <see cref="TrainingObjective.PairSimilarity"/> artifacts.
/// <see cref="TrainBody"/> fine-tunes the encoder on sentence pairs (AdamW through the <see cref="TrainingSession"/>,
/// with a checkpoint after every epoch and on cancellation, so <see cref="Run"/> given its <see cref="TrainerState"/> continues it exactly);
/// <see cref="FitHead"/> then fits a logistic-regression head on the frozen, normalised embeddings, choosing its L2
/// strength on the validation split, or by cross-validation when that split is too small to choose by.
/// <see cref="Run"/> does both.
/// </summary>
public sealed class ContrastiveTrainer
{
    // What a divergence names as the rate to lower, built once rather than on every step.
    private static readonly string LearningRateOption = InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.LearningRate));

    private readonly TrainingSession _session;
    private readonly ContrastiveOptions _options;
    private readonly IReadOnlyList<string> _labels;
    private readonly int _padId;
    private readonly ITrainingObserver _observer;
    private readonly OrtSessionSettings _settings;

    /// <param name="session">A session over pair-similarity artifacts.</param>
    /// <param name="options">The run's hyperparameters.</param>
    /// <param name="labels">Label names, in index order.</param>
    /// <param name="padId">The tokenizer's padding id.</param>
    /// <param name="observer">Receives stage 1's steps and the head's evaluation.</param>
    /// <param name="settings">Session settings for computing embeddings in stage 2.</param>
    /// <exception cref="UserInputException">An option is invalid, the artifacts were built for classification or for
    /// another stage-1 loss or temperature than <paramref name="options"/> asks for, or <paramref name="labels"/> does not
    /// match the artifacts' label count.</exception>
    public ContrastiveTrainer(TrainingSession session, ContrastiveOptions options, IReadOnlyList<string> labels, int padId,
        ITrainingObserver observer, OrtSessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(settings);
        options.Validate();
        if (session.Artifacts.Properties.Objective != TrainingObjective.PairSimilarity)
            throw new UserInputException($"{session.Artifacts.Directory}: these artifacts were built for standard fine-tuning, not contrastive training");
        RequireBuiltFor(options, session.Artifacts);
        TrainingLabels.RequireNames(labels, session.Artifacts);
        _session = session;
        _options = options;
        _labels = labels;
        _padId = padId;
        _observer = observer;
        _settings = settings;
    }

    /// <summary>
    /// Both stages: the encoder on pairs of <paramref name="train"/>, then the head, chosen on <paramref name="validation"/>.
    /// The result's metric is the head's validation accuracy.
    /// </summary>
    /// <exception cref="UserInputException">A data set is empty or holds a label outside the label names, or
    /// <paramref name="resume"/> was trained with another seed.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite numbers; the step was not applied.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled: in stage 1 at the
    /// next step, after a checkpoint; in stage 2 within one embedding batch or candidate C, with stage 1's checkpoint
    /// (which a resumed run fits the head from again).</exception>
    public ContrastiveResult Run(TokenizedDataset train, TokenizedDataset validation, TrainerState? resume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        _session.ThrowIfDisposed();
        TrainingLabels.RequireInRange(train, validation, _labels);
        var batchSize = InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.BatchSize));
        var start = TrainerState.StartOrResume(train, validation, resume, _options.SeedOrDefault, InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Seed)),
            (_options.BatchSize, batchSize), (1, batchSize));
        var clock = Stopwatch.StartNew();
        int rounds = _options.RoundsFor(train.Count);
        if (resume is null && rounds > _options.PairRounds)
            _observer.OnMessage($"{train.Count} training examples at {_options.PairRounds} pair {(_options.PairRounds == 1 ? "round is" : "rounds are")} too few for {_options.MinimumSteps} {(_options.MinimumSteps == 1 ? "step" : "steps")}: {rounds} rounds instead.");
        _observer.OnTrainingStarted(start.Step);
        var (state, pairs) = TrainBody(train, rounds, start, cancellationToken);
        var encoder = EncoderParameters();
        LogisticRegressionHead head;
        HeadSelection selection;
        ClassificationReport report;
        try
        {
            (head, selection, report) = FitHead(encoder, train, validation, cancellationToken);
            // Also after the last candidate (the final fit and its report watch no token): a stop asked during the fit
            // stops here, at the checkpoint, rather than cutting the export that follows.
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stage 1's checkpoint, saved finished, is where a resumed run fits the head again.
            _observer.OnStoppedAtCheckpoint(state.Step, _session.Artifacts.CheckpointDirectory);
            throw;
        }
        // The run's one evaluation, of the head it keeps: the kept model's, as standard fine-tuning marks the one it keeps.
        _observer.OnEvaluation(new EvaluationInfo(Math.Min(state.Epoch, _options.Epochs), state.Step, report, IsBest: true, report.Accuracy));
        var run = new FineTuningResult(report, report.Accuracy, state.Step, state.Step, StoppedEarly: false, [.. encoder, .. head.ToParameters()], clock.Elapsed);
        // The head lives outside the training graphs, so the checkpoint alone cannot be exported: the encoder and head
        // are kept together where `export --checkpoint` looks first (an int8 export of this run, for one).
        _session.Artifacts.SaveBest(run.BestParameters, state.Step);
        return new ContrastiveResult(run, rounds, pairs, selection);
    }

    /// <summary>
    /// Stage 1: AdamW on the pair loss, linear schedule with warmup, <see cref="ContrastiveOptions.Epochs"/> passes over
    /// the pairs of <paramref name="rounds"/> rounds in a seeded order per epoch, from <paramref name="state"/>. Returns the final state and the number of
    /// pairs per epoch.
    /// </summary>
    private (TrainerState State, int Pairs) TrainBody(TokenizedDataset train, int rounds, TrainerState state, CancellationToken cancellationToken)
    {
        var pairs = new ContrastivePairSampler(rounds, _options.SeedOrDefault).Sample(Enumerable.Range(0, train.Count).Select(train.Label).ToArray());
        int batchSize = _options.BatchSize;
        int stepsPerEpoch = LengthBucketBatcher.BatchCount(pairs.Count, batchSize);
        var schedule = _options.ScheduleOver(pairs.Count);
        if (state.Finished) return (state, pairs.Count);
        // Said when the run begins, as standard fine-tuning says it of its examples: the batches are cut to the pairs
        // without a word, and the batch size asked for stays recorded, which a resume compares.
        if (state is { Step: 0, Epoch: 0 } && batchSize > pairs.Count)
            _observer.OnMessage($"Batch size {batchSize} is more than the {pairs.Count} pairs of an epoch: each step takes all {pairs.Count}.");
        var throughput = Stopwatch.StartNew();
        long samplesSinceReport = 0;
        var checkpoints = new CheckpointClock(_options.CheckpointInterval, state.Step);
        // The state of the last checkpoint written, as JSON: a stop right after it (an epoch's end, the interval's) writes
        // nothing again, as a step changes the state and nothing else changes the weights.
        string? saved = null;
        // A checkpoint of a run that goes on training restarts the clock.
        void Checkpoint()
        {
            SaveCheckpoint(state);
            saved = state.ToJson();
            checkpoints.Written(state.Step);
        }
        for (int epoch = Math.Max(1, state.Epoch); epoch <= _options.Epochs; epoch++)
        {
            var order = Shuffled(pairs.Count, unchecked(_options.SeedOrDefault * 7919 + epoch));
            int next = epoch == state.Epoch ? state.MicroBatchInEpoch : 0;
            state = state with { Epoch = epoch, MicroBatchInEpoch = next };
            for (; next < stepsPerEpoch; next++)
            {
                if (checkpoints.IsDue(state.Step)) Checkpoint();
                // After the save: a stop asked for while it was written stops at this step boundary, not one step later.
                if (cancellationToken.IsCancellationRequested)
                {
                    if (state.ToJson() != saved) SaveCheckpoint(state);
                    _observer.OnStoppedAtCheckpoint(state.Step, _session.Artifacts.CheckpointDirectory);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                var chosen = order.Skip(next * batchSize).Take(batchSize).Select(i => pairs[i]).ToArray();
                // Both texts of every pair in one encoder batch, each distinct text once (artifacts built before pair rows
                // take every pair's two texts as rows): the first texts, then the second texts in the same order.
                int[] texts = [.. chosen.Select(p => p.First), .. chosen.Select(p => p.Second)];
                float loss = _session.TrainStep(_session.ReadsPairRows
                    ? TrainingBatch.CollatePairs(train, texts, _padId)
                    : TrainingBatch.Collate(train, texts, _padId));
                double rate = schedule.RateAt(state.Step);
                if (!float.IsFinite(loss)) throw new TrainingDivergedException(state.Step + 1, loss, LearningRateOption, rate);
                double norm = _session.OptimizerStep(rate, _options.MaxGradNorm);
                if (!double.IsFinite(norm)) throw TrainingDivergedException.GradientsNotFinite(state.Step + 1, loss, norm, LearningRateOption, rate);
                samplesSinceReport += chosen.Length;
                state = state with { Step = state.Step + 1, MicroBatchInEpoch = next + 1 };
                if (state.Step % _options.LogEverySteps == 0 || next + 1 == stepsPerEpoch)
                {
                    double seconds = throughput.Elapsed.TotalSeconds;
                    _observer.OnStep(new TrainingStepInfo(epoch, state.Step, schedule.TotalSteps, loss, rate, norm, seconds > 0 ? samplesSinceReport / seconds : 0));
                    throughput.Restart();
                    samplesSinceReport = 0;
                }
            }
            state = state with { Epoch = epoch + 1, MicroBatchInEpoch = 0 };
            if (epoch < _options.Epochs) Checkpoint();
        }
        state = state with { Finished = true };
        SaveCheckpoint(state);
        return (state, pairs.Count);
    }

    /// <summary>
    /// Stage 2: embeds both sets with the encoder <paramref name="encoder"/> (trainable and frozen parameters) and fits
    /// the head on the training embeddings, its C fixed or chosen by <see cref="HeadSelection.Choose"/> (on the
    /// validation split, or by cross-validation when that split is too small). Returns the head, how its C was
    /// chosen, and its validation report.
    /// </summary>
    /// <exception cref="UserInputException">A data set holds a label outside the label names.</exception>
    public (LogisticRegressionHead Head, HeadSelection Selection, ClassificationReport Report) FitHead(
        IReadOnlyList<KeyValuePair<string, TensorData>> encoder, TokenizedDataset train, TokenizedDataset validation,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        TrainingLabels.RequireInRange(train, validation, _labels);
        float[][] trainEmbeddings, validationEmbeddings;
        using (var embedder = SentenceEmbedder.Create(_session.Artifacts, encoder, _settings))
        {
            trainEmbeddings = embedder.Embed(train, _padId, cancellationToken: cancellationToken);
            validationEmbeddings = embedder.Embed(validation, _padId, cancellationToken: cancellationToken);
        }
        var trainLabels = Enumerable.Range(0, train.Count).Select(train.Label).ToArray();
        var validationLabels = Enumerable.Range(0, validation.Count).Select(validation.Label).ToArray();
        var (head, selection) = HeadSelection.Choose(trainEmbeddings, trainLabels, validationEmbeddings, validationLabels, _labels.Count, _options, cancellationToken);
        if (selection.Choice != HeadChoice.Fixed)
        {
            string why = selection.Choice == HeadChoice.CrossValidation
                ? $" ({validation.Count} validation examples are under {_options.MinimumValidationToSelect})"
                // Cross-validation needs two training examples of every class; without, the small split is all there is.
                : !_options.ChoosesHeadOnValidation(validation.Count)
                    ? $" ({validation.Count} validation examples are under {_options.MinimumValidationToSelect}, but a class has a single training example, so there is no cross-validation: the choice is noise; {InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.HeadC))} fixes C)"
                    : "";
            string scores = string.Join(", ", selection.Candidates.Select(h => FormattableString.Invariant($"C={h.C:G4} accuracy {h.Accuracy:F4} loss {h.Loss:F4}")));
            _observer.OnMessage(FormattableString.Invariant($"Head C on {selection.Basis}{why}: {scores}; chose C={selection.C:G4}."));
        }
        return (head, selection, Evaluate(head, validationEmbeddings, validationLabels));
    }

    /// <summary>The head's report on embedded examples: accuracy, F1 and the mean cross-entropy.</summary>
    public ClassificationReport Evaluate(LogisticRegressionHead head, IReadOnlyList<float[]> embeddings, IReadOnlyList<int> labels)
    {
        var builder = new ClassificationReportBuilder(_labels);
        double loss = 0;
        for (int i = 0; i < embeddings.Count; i++)
        {
            var logits = head.Logits(embeddings[i]);
            builder.AddBatch([labels[i]], logits);
            loss += LogisticRegressionHead.CrossEntropy(logits, labels[i]);
        }
        builder.AddLoss(loss / embeddings.Count, embeddings.Count);
        return builder.Build();
    }

    /// <summary>
    /// The loss is baked into the graphs: options asking for another (or another temperature) would train with the
    /// artifacts' loss while saying theirs. Artifacts from before this option record pair_cosine, the one loss there was.
    /// </summary>
    private static void RequireBuiltFor(ContrastiveOptions options, TrainingArtifacts artifacts)
    {
        var built = artifacts.Properties;
        var loss = InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Loss));
        if (built.Loss != TrainingArtifacts.PairLossName(options.Loss))
            throw new InvalidOptionException(loss, options.Loss, $"the artifacts in {artifacts.Directory} were built with the {BuiltLossName(built.Loss)} loss; build them for this loss or leave it as they have it");
        if (options.Loss == ContrastiveLoss.SupervisedContrastive && built.Temperature != (float)options.TemperatureOrDefault)
            throw new InvalidOptionException(InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Temperature)), options.TemperatureOrDefault,
                $"the artifacts in {artifacts.Directory} were built with temperature {(built.Temperature is float t ? NumberText.Of(t) : "none")}; build them for this temperature or leave it as they have it");
    }

    // The message names the loss as the option's value does (SupervisedContrastive), not as the artifacts record it (pair_supcon).
    private static string BuiltLossName(string recorded) => recorded switch
    {
        TrainingArtifacts.PairCosineLoss => nameof(ContrastiveLoss.CosineSimilarity),
        TrainingArtifacts.PairSupervisedContrastiveLoss => nameof(ContrastiveLoss.SupervisedContrastive),
        _ => $"'{recorded}'",
    };

    private List<KeyValuePair<string, TensorData>> EncoderParameters() => [.. _session.GetParameters(), .. _session.FrozenParameters];

    private void SaveCheckpoint(TrainerState state)
    {
        _session.Artifacts.SaveCheckpoint(EncoderParameters(), _session.GetOptimizerState(),
            _session.Artifacts.Properties with { Step = state.Step, Epoch = state.Epoch }, state.ToJson());
        _observer.OnCheckpointSaved(state.Step);
    }

    private static int[] Shuffled(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }
}
