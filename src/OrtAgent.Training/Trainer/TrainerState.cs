using System.Text.Json;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// Where a fine-tuning run stands, saved beside each checkpoint so <c>--resume</c> continues exactly: the same epoch
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

    public double? BestMetric { get; init; }

    public long BestStep { get; init; }

    public int EvaluationsSinceBest { get; init; }

    /// <summary>
    /// The monitored metric of the last evaluations, as many as the smoothing window holds (one for large validation
    /// sets); saved so a resumed run averages over the same evaluations as the uninterrupted one.
    /// </summary>
    public IReadOnlyList<double> RecentMetrics { get; init; } = [];

    /// <summary>True once the run finished (all epochs, or an early stop); resuming a finished run does nothing.</summary>
    public bool Finished { get; init; }

    /// <summary>Seed of the run; resuming with another seed would not reproduce it.</summary>
    public int Seed { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Where a run starts: the checkpoint's state when resuming, else step 0 with the run's seed.</summary>
    /// <param name="train">The training set; it must not be empty.</param>
    /// <param name="validation">The validation set; it must not be empty.</param>
    /// <param name="resume">The state saved with the checkpoint being resumed, or null for a fresh run.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="seedOption">The options property that holds the seed (<c>Type.Property</c>), for the error.</param>
    /// <exception cref="UserInputException">A data set is empty.</exception>
    /// <exception cref="InvalidOptionException">The checkpoint being resumed was trained with another seed.</exception>
    public static TrainerState StartOrResume(Data.TokenizedDataset train, Data.TokenizedDataset validation, TrainerState? resume, int seed, string seedOption)
    {
        if (train.Count == 0) throw new UserInputException("The training set is empty.");
        if (validation.Count == 0) throw new UserInputException("The validation set is empty.");
        if (resume is not null && resume.Seed != seed)
            throw new InvalidOptionException(seedOption, seed, $"the checkpoint being resumed was trained with seed {resume.Seed}");
        return resume ?? new TrainerState { Seed = seed };
    }

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
