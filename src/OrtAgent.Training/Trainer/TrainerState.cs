using System.Text.Json;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// Where a fine-tuning run stands, saved beside each checkpoint so that a resumed run continues exactly: the same epoch
/// order (drawn from the seed and epoch), the same next micro-batch, the same early-stopping record.
/// </summary>
public sealed record TrainerState
{
    /// <summary>The epoch in progress (1-based); 0 before training starts.</summary>
    public int Epoch { get; init; }

    /// <summary>Micro-batches of <see cref="Epoch"/> already applied; always the start of an accumulation group.</summary>
    public int MicroBatchInEpoch { get; init; }

    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; init; }

    /// <summary>
    /// The best value of the monitored metric so far (averaged over <see cref="RecentMetrics"/> when the run smooths); null
    /// before the first evaluation. A run that does not select a best model records its latest evaluation here.
    /// </summary>
    public double? BestMetric { get; init; }

    /// <summary>The optimizer step <see cref="BestMetric"/> was measured after; 0 before the first evaluation.</summary>
    public long BestStep { get; init; }

    /// <summary>Evaluations in a row that have not improved on <see cref="BestMetric"/>: what early stopping counts against its patience.</summary>
    public int EvaluationsSinceBest { get; init; }

    /// <summary>
    /// The monitored metric of the last evaluations, as many as the smoothing window holds (one for large validation
    /// sets); saved so a resumed run averages over the same evaluations as the uninterrupted one.
    /// </summary>
    public IReadOnlyList<double> RecentMetrics { get; init; } = [];

    /// <summary>
    /// True when the run was cancelled during the evaluation that follows step <see cref="Step"/>: nothing of it was
    /// recorded, so a resumed run evaluates first, before its next step, as the uninterrupted run did. False in older
    /// checkpoints, which were never written mid-evaluation.
    /// </summary>
    public bool EvaluationPending { get; init; }

    /// <summary>True once the run finished (all epochs, or an early stop); resuming a finished run does nothing.</summary>
    public bool Finished { get; init; }

    /// <summary>Seed of the run; resuming with another seed would not reproduce it.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// How the run batches and how much data it reads; null in checkpoints from before 2026-12-05 and in the first one
    /// of a run begun from another model. <see cref="MicroBatchInEpoch"/> counts batches of this shape, so a resume
    /// that batched or counted otherwise would continue at another place than the uninterrupted run.
    /// </summary>
    public RunShape? Shape { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Where a run starts: the checkpoint's state when resuming, else step 0 with the run's seed.</summary>
    /// <param name="train">The training set; it must not be empty.</param>
    /// <param name="validation">The validation set; it must not be empty.</param>
    /// <param name="resume">The state saved with the checkpoint being resumed, or null for a fresh run.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="seedOption">The options property that holds the seed (<c>Type.Property</c>), for the error.</param>
    /// <param name="batchSize">The run's batch size and the options property that holds it.</param>
    /// <param name="gradientAccumulation">Micro-batches per optimizer step (1 where the trainer has no such option).</param>
    /// <exception cref="UserInputException">A data set is empty, or the checkpoint being resumed read another number of examples.</exception>
    /// <exception cref="InvalidOptionException">The checkpoint being resumed was trained with another seed, batch size or accumulation.</exception>
    public static TrainerState StartOrResume(Data.TokenizedDataset train, Data.TokenizedDataset validation, TrainerState? resume, int seed, string seedOption,
        (int Value, string Option) batchSize, (int Value, string Option) gradientAccumulation)
    {
        if (train.Count == 0) throw new UserInputException("the training set is empty");
        if (validation.Count == 0) throw new UserInputException("the validation set is empty");
        var shape = new RunShape(batchSize.Value, gradientAccumulation.Value, train.Count, validation.Count);
        if (resume is null) return new TrainerState { Seed = seed, Shape = shape };
        if (resume.Seed != seed)
            throw new InvalidOptionException(seedOption, seed, $"the checkpoint being resumed was trained with seed {resume.Seed}");
        if (resume.Shape is { } recorded)
        {
            if (recorded.BatchSize != shape.BatchSize)
                throw new InvalidOptionException(batchSize.Option, shape.BatchSize, $"the checkpoint being resumed was trained at batch size {recorded.BatchSize}");
            if (recorded.GradientAccumulation != shape.GradientAccumulation)
                throw new InvalidOptionException(gradientAccumulation.Option, shape.GradientAccumulation,
                    $"the checkpoint being resumed was trained accumulating {recorded.GradientAccumulation} micro-batches a step");
            if (recorded.TrainingExamples != shape.TrainingExamples || recorded.ValidationExamples != shape.ValidationExamples)
                throw new UserInputException($"the checkpoint being resumed was trained on {recorded.TrainingExamples} training and {recorded.ValidationExamples} "
                    + $"validation examples, and these are {shape.TrainingExamples} and {shape.ValidationExamples}: resume with the data it was trained on");
        }
        return resume with { Shape = shape };
    }

    /// <summary>The state as indented JSON (PascalCase names), the form <see cref="Load"/> reads.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="UserInputException">The file is unreadable.</exception>
    public static TrainerState Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json) ?? throw new JsonException("empty");
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            throw new UserInputException($"{path}: cannot read the trainer state to resume from: {ex.Message}", ex);
        }
    }
}

/// <summary>How a run batches and how much it reads (<see cref="TrainerState.Shape"/>).</summary>
/// <param name="BatchSize">Examples per micro-batch.</param>
/// <param name="GradientAccumulation">Micro-batches whose gradients make one optimizer step.</param>
/// <param name="TrainingExamples">How many examples the run trains on.</param>
/// <param name="ValidationExamples">How many examples the run evaluates on.</param>
public sealed record RunShape(int BatchSize, int GradientAccumulation, int TrainingExamples, int ValidationExamples);
