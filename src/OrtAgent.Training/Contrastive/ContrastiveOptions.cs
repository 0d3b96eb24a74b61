using OrtAgent.Runtime.Text;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// Hyperparameters of contrastive (SetFit-style) training. Defaults are SetFit's: 20 pair rounds, one epoch over the
/// pairs, 16 pairs a batch, AdamW at 2e-5 with a linear schedule and 10% warmup; the head's L2 strength is chosen
/// on the validation split, or by cross-validation on the training examples when the validation split is too small
/// to choose by, unless <see cref="HeadC"/> fixes it.
/// </summary>
public sealed record ContrastiveOptions
{
    /// <summary>Pair rounds per example; each makes one positive and one negative pair per example.</summary>
    public int PairRounds { get; init; } = ContrastivePairSampler.DefaultRounds;

    /// <summary>
    /// The least number of optimizer steps stage 1 takes (as <see cref="FineTuningOptions.MinimumSteps"/> for standard fine-tuning): on data
    /// too small for <see cref="PairRounds"/> to reach it, the rounds rise (<see cref="RoundsFor"/>). 14 texts at 20
    /// rounds are 560 pairs, 35 steps of 16. 0 turns it off.
    /// </summary>
    public int MinimumSteps { get; init; } = FineTuningOptions.DefaultMinimumSteps;

    /// <summary>
    /// The pair rounds for <paramref name="examples"/> training examples: <see cref="PairRounds"/>, or more so that the
    /// <see cref="Epochs"/> passes over the pairs take at least <see cref="MinimumSteps"/> steps.
    /// </summary>
    public int RoundsFor(int examples)
    {
        if (MinimumSteps == 0 || examples == 0) return PairRounds;
        long stepsPerEpoch = (MinimumSteps + Epochs - 1) / Epochs;
        // A batch larger than an epoch's pairs is cut to them, so any round makes one step: one step an epoch needs no more.
        if (stepsPerEpoch <= 1) return PairRounds;
        // Each round makes 2 pairs per example; BatchSize pairs make one step.
        long needed = (stepsPerEpoch * BatchSize + 2L * examples - 1) / (2L * examples);
        return (int)Math.Max(PairRounds, Math.Min(needed, int.MaxValue));
    }

    /// <summary>
    /// Stage 1's learning rates over <paramref name="pairs"/> pairs an epoch: linear from <see cref="LearningRate"/>
    /// after <see cref="WarmupRatio"/> of the steps of <see cref="Epochs"/> passes, <see cref="BatchSize"/> pairs a step.
    /// </summary>
    internal LearningRateSchedule ScheduleOver(int pairs) =>
        LearningRateSchedule.Create(LearningRateScheduleKind.Linear, LearningRate, (long)LengthBucketBatcher.BatchCount(pairs, BatchSize) * Epochs, WarmupRatio);

    /// <summary>
    /// Stage 1's learning rates on training examples of <paramref name="labels"/> (each one's label index): over the
    /// pairs its rounds (<see cref="RoundsFor"/>) sample, as <see cref="ContrastiveTrainer"/> trains. A resumed run that
    /// recorded no settings is checked against the rates it logged.
    /// </summary>
    internal LearningRateSchedule ScheduleFor(IReadOnlyList<int> labels) =>
        ScheduleOver(new ContrastivePairSampler(RoundsFor(labels.Count), SeedOrDefault).Sample(labels).Count);

    /// <summary>
    /// The most pairs one run samples (2 × rounds × examples): 120 MB of pairs and 625,000 steps at batch 16, beyond any
    /// useful run; asking for more (a huge <see cref="PairRounds"/> or <see cref="MinimumSteps"/>) overflowed or ran
    /// out of memory before the first step.
    /// </summary>
    public const long MaxPairs = 10_000_000;

    /// <summary>Refuses settings that would sample more than <see cref="MaxPairs"/> pairs over <paramref name="examples"/> training examples.</summary>
    /// <exception cref="InvalidOptionException">They would; the message names the option that asks for so many.</exception>
    public void CheckPairCount(int examples)
    {
        long Pairs(long rounds) => 2L * rounds * examples;
        if (Pairs(PairRounds) > MaxPairs)
            throw new InvalidOptionException(InvalidOptionException.Name<ContrastiveOptions>(nameof(PairRounds)), PairRounds,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"makes {Pairs(PairRounds):N0} pairs of {examples} training examples; at most {MaxPairs:N0} are sampled"));
        long needed = Pairs(RoundsFor(examples));
        if (needed > MaxPairs)
            throw new InvalidOptionException(InvalidOptionException.Name<ContrastiveOptions>(nameof(MinimumSteps)), MinimumSteps,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"needs {needed:N0} pairs of {examples} training examples at batch size {BatchSize}; at most {MaxPairs:N0} are sampled"));
    }

    /// <summary>
    /// The loss stage 1 trains the encoder with: SetFit's cosine-similarity loss on the pairs (the default, and what
    /// settings recorded before this option existed mean) or the supervised contrastive loss on every text of a batch.
    /// The artifacts are built for one (<see cref="Artifacts.TrainingArtifactsOptions.ContrastiveLoss"/>) and refuse the other.
    /// </summary>
    public ContrastiveLoss Loss { get; init; } = ContrastiveLoss.CosineSimilarity;

    /// <summary>The short names of the losses, as the command line takes them: <c>cosine</c> and <c>supcon</c>.</summary>
    public static string ShortName(ContrastiveLoss loss) => loss switch
    {
        ContrastiveLoss.CosineSimilarity => "cosine",
        ContrastiveLoss.SupervisedContrastive => "supcon",
        _ => throw new ArgumentOutOfRangeException(nameof(loss)),
    };

    /// <summary>The default <see cref="Temperature"/>: SetFit's and the paper's.</summary>
    public const double DefaultTemperature = 0.07;

    /// <summary>The lowest <see cref="Temperature"/>: the graph holds τ as a float and masks each text's own logit at -1e9, so τ must stay far above 1e-9.</summary>
    public const double MinTemperature = 0.001;

    /// <summary>The highest <see cref="Temperature"/>: far past any useful τ, and its logits still far from a float's range.</summary>
    public const double MaxTemperature = 1000;

    /// <summary>
    /// The temperature τ that divides the cosine similarities of <see cref="ContrastiveLoss.SupervisedContrastive"/>,
    /// between <see cref="MinTemperature"/> (0.001) and <see cref="MaxTemperature"/> (1000) inclusive: lower weighs the
    /// hardest negatives more. Null is <see cref="DefaultTemperature"/> (0.07). The cosine-similarity loss has none:
    /// set with it, <see cref="Validate"/> refuses it, as the command line refuses <c>--temperature</c> without <c>supcon</c>.
    /// </summary>
    // Left out of settings.json when null: a record then reads as 0.07 to ortagent versions whose temperature was not nullable.
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? Temperature { get; init; }

    /// <summary>The temperature <see cref="ContrastiveLoss.SupervisedContrastive"/> trains with: <see cref="Temperature"/>, or the default.</summary>
    internal double TemperatureOrDefault => Temperature ?? DefaultTemperature;

    /// <summary>
    /// These settings as the run reads them: the temperature of a supervised contrastive run made explicit, and none for a
    /// cosine run, which never reads it (settings recorded before the temperature was nullable hold 0.07 for every run).
    /// </summary>
    internal ContrastiveOptions AsRead() => this with { Temperature = Loss == ContrastiveLoss.SupervisedContrastive ? TemperatureOrDefault : null };

    /// <summary>Passes over the pairs.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Pairs per optimizer step, at most <see cref="MaxBatchSize"/>; the encoder batch holds their distinct texts, each once.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// The largest <see cref="BatchSize"/>. <see cref="RoundsFor"/> raises the rounds with the batch size to reach
    /// <see cref="MinimumSteps"/>, so a batch size of millions would sample billions of pairs before the first step.
    /// </summary>
    public const int MaxBatchSize = 4096;

    /// <summary>The peak learning rate of the encoder's optimizer, in (0, 1); the schedule decays it linearly to 0.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>The share of all optimizer steps, in [0, 1], over which the rate climbs linearly from 0 to <see cref="LearningRate"/>.</summary>
    public double WarmupRatio { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// Seeds the pairs, their order and the head's cross-validation folds, 0 or more. Null, the default, is the run's one
    /// seed, <see cref="FineTuningOptions.Seed"/> (which also seeds its artifacts and held-out validation), as
    /// <c>ortagent train --seed</c> sets both; a <see cref="ContrastiveTrainer"/> given these options alone reads null as
    /// 42, <see cref="FineTuningOptions.Seed"/>'s default. Set, it seeds the pairs apart from the rest of the run.
    /// </summary>
    // Recorded resolved (WithSeedFrom), so a settings.json always holds the number ortagent versions before null read.
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Seed { get; init; }

    /// <summary>The seed the pairs are drawn with: <see cref="Seed"/>, or <see cref="FineTuningOptions.Seed"/>'s default where nothing resolved it.</summary>
    internal int SeedOrDefault => Seed ?? new FineTuningOptions().Seed;

    /// <summary>These settings with <see cref="Seed"/>, left null, set to <paramref name="runSeed"/> (the run's <see cref="FineTuningOptions.Seed"/>, or a resumed run's recorded one).</summary>
    internal ContrastiveOptions WithSeedFrom(int runSeed) => Seed is null ? this with { Seed = runSeed } : this;

    /// <summary>
    /// Inverse L2 strength of the logistic-regression head, as scikit-learn's <c>C</c>; null picks the
    /// best of <see cref="HeadCGrid"/> on the validation split.
    /// </summary>
    public double? HeadC { get; init; }

    /// <summary>The values of C tried when <see cref="HeadC"/> is null.</summary>
    public IReadOnlyList<double> HeadCGrid { get; init; } = [0.01, 0.1, 1, 10, 100, 1000];

    /// <summary>
    /// A validation split smaller than this does not choose C (as <see cref="FineTuningOptions.MinimumValidationToSelect"/>
    /// for standard fine-tuning): a handful of held-out texts ties on accuracy and picks by noise. C is then chosen by stratified
    /// <see cref="HeadFolds"/>-fold cross-validation over the training examples' embeddings.
    /// </summary>
    public int MinimumValidationToSelect { get; init; } = FineTuningOptions.DefaultMinimumValidationToSelect;

    /// <summary>Folds of the cross-validation that chooses C on small data (fewer when a class has fewer examples).</summary>
    public int HeadFolds { get; init; } = 5;

    /// <summary>Whether a validation split of <paramref name="validationCount"/> examples chooses C.</summary>
    public bool ChoosesHeadOnValidation(int validationCount) => validationCount >= MinimumValidationToSelect;

    /// <summary>Optimizer steps between progress reports.</summary>
    public int LogEverySteps { get; init; } = 1;

    /// <summary>Stage 1's <see cref="FineTuningOptions.CheckpointInterval"/>: the training time after which it writes a checkpoint besides those at epoch ends.</summary>
    // When checkpoints are written changes nothing a run computes, so a run's recorded settings (and its resume) leave it out.
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan CheckpointInterval { get; init; } = FineTuningOptions.DefaultCheckpointInterval;

    /// <summary>Checks every value; a bad one is an <see cref="InvalidOptionException"/> naming the property.</summary>
    public void Validate()
    {
        Require(PairRounds >= 1, nameof(PairRounds), PairRounds, "must be at least 1");
        Require(Epochs >= 1, nameof(Epochs), Epochs, "must be at least 1");
        Require(MinimumSteps >= 0, nameof(MinimumSteps), MinimumSteps, "must be 0 (off) or more");
        Require(BatchSize is >= 1 and <= MaxBatchSize, nameof(BatchSize), BatchSize, $"must be between 1 and {MaxBatchSize} pairs");
        Require(LearningRate is > 0 and < 1, nameof(LearningRate), LearningRate, "must be above 0 and below 1");
        Require(WarmupRatio is >= 0 and <= 1, nameof(WarmupRatio), WarmupRatio, "must be between 0 and 1");
        Require(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be 0 (off) or a positive finite number");
        Require(FineTuningOptions.IsCheckpointInterval(CheckpointInterval), nameof(CheckpointInterval), CheckpointInterval, FineTuningOptions.CheckpointIntervalProblem);
        Require(HeadC is null || (HeadC > 0 && double.IsFinite(HeadC.Value)), nameof(HeadC), HeadC, "must be a positive number");
        Require(HeadCGrid.Count > 0 && HeadCGrid.All(c => c > 0 && double.IsFinite(c)), nameof(HeadCGrid), string.Join(", ", HeadCGrid), "needs positive, finite values");
        Require(MinimumValidationToSelect >= 0, nameof(MinimumValidationToSelect), MinimumValidationToSelect, "must be 0 (always choose) or more");
        Require(HeadFolds >= 2, nameof(HeadFolds), HeadFolds, "must be at least 2");
        Require(LogEverySteps >= 1, nameof(LogEverySteps), LogEverySteps, "must be at least 1");
        Require(Seed is null or >= 0, nameof(Seed), Seed, "must be 0 or more");
        Require(Enum.IsDefined(Loss), nameof(Loss), (int)Loss, "must be CosineSimilarity or SupervisedContrastive");
        if (Temperature is { } temperature)
        {
            Require(Loss == ContrastiveLoss.SupervisedContrastive, nameof(Temperature), temperature, "applies to the SupervisedContrastive loss; the CosineSimilarity loss has no temperature");
            CheckTemperature(InvalidOptionException.Name<ContrastiveOptions>(nameof(Temperature)), temperature);
        }
    }

    /// <summary>
    /// Refuses a temperature outside [<see cref="MinTemperature"/>, <see cref="MaxTemperature"/>] under the name
    /// <paramref name="option"/>: the graph reads τ as a float, where 1e-50 became 0 (a NaN loss at step 1) and 1e39 infinity
    /// (a loss that never moved), and its self-logit mask of -1e9 needs τ well above 1e-9.
    /// </summary>
    /// <exception cref="InvalidOptionException">It is outside; the message names <paramref name="option"/> and the value.</exception>
    public static void CheckTemperature(string option, double temperature)
    {
        if (!(temperature is >= MinTemperature and <= MaxTemperature))
            throw new InvalidOptionException(option, temperature, $"must be between {NumberText.Of(MinTemperature)} and {NumberText.Of(MaxTemperature)}");
    }

    private static void Require(bool condition, string property, object? value, string problem)
    {
        if (!condition) throw new InvalidOptionException(InvalidOptionException.Name<ContrastiveOptions>(property), value, problem);
    }
}
