using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

internal sealed partial class TrainingJob
{
    /// <summary>
    /// Options that only standard fine-tuning reads (its loss, pooling, evaluations and the model it keeps) would be dropped
    /// by a contrastive run, which trains pairs and then fits its head on the frozen embeddings: a mistake, not ignored.
    /// </summary>
    /// <exception cref="InvalidOptionException">Such an option was given (<see cref="TrainJobOptions.WasSet"/>): on the command line, whatever its value.</exception>
    private static void RefuseStandardOnlyOptions(TrainJobOptions options, TrainingMethodChoice method, TrainingArtifacts? resume)
    {
        var defaults = new TrainJobOptions();
        var settings = new (string Property, object Value, bool Differs)[]
        {
            (InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.ClassWeights)), options.ClassWeights.Text, options.ClassWeights.Text != defaults.ClassWeights.Text),
            (InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.LabelSmoothing)), options.LabelSmoothing, options.LabelSmoothing != defaults.LabelSmoothing),
            (InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.Patience)), options.FineTuning.Patience, options.FineTuning.Patience != defaults.FineTuning.Patience),
            (InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.EvaluateEverySteps)), options.FineTuning.EvaluateEverySteps, options.FineTuning.EvaluateEverySteps != defaults.FineTuning.EvaluateEverySteps),
            (InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.Keep)), options.FineTuning.Keep.ToString().ToLowerInvariant(), options.FineTuning.Keep != defaults.FineTuning.Keep),
            // Stage 1 has its own epochs (--contrastive-epochs, which the refusal names), a linear schedule, no accumulation,
            // no evaluations to smooth, and no head dropout.
            (InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.Epochs)), options.FineTuning.Epochs, options.FineTuning.Epochs != defaults.FineTuning.Epochs),
            (InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.GradientAccumulation)), options.FineTuning.GradientAccumulation, options.FineTuning.GradientAccumulation != defaults.FineTuning.GradientAccumulation),
            (InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.Scheduler)), Training.Schedules.LearningRateSchedule.NameOf(options.FineTuning.Scheduler), options.FineTuning.Scheduler != defaults.FineTuning.Scheduler),
            (InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.SmoothingWindow)), options.FineTuning.SmoothingWindow, options.FineTuning.SmoothingWindow != defaults.FineTuning.SmoothingWindow),
            (InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.DropoutRatio)), options.DropoutRatio, options.DropoutRatio != defaults.DropoutRatio),
            (InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.EncoderDropoutRatio)), options.EncoderDropoutRatio, options.EncoderDropoutRatio != defaults.EncoderDropoutRatio),
            // Contrastive training compares mean-pooled embeddings, and its export pools so.
            (InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.Pooling)), ClassifierHeadOptions.ShortName(options.Pooling), options.Pooling != defaults.Pooling),
        };
        ClassifierTraining.RefuseStandardOnly(settings.Select(s => (s.Property, s.Value, options.WasSet(s.Property, s.Differs))), method, options.Method, resume?.Directory,
            m => $"--method {m.ToString().ToLowerInvariant()}");
    }

    /// <summary>
    /// What an adapter to start from rules out, refused before the data is read: it trains on by standard LoRA fine-tuning,
    /// which freezes every base weight itself.
    /// </summary>
    private static string AdapterNotContrastive(string adapter) =>
        $"--init-from {adapter} is a LoRA adapter, which trains on by standard fine-tuning; contrastive training fine-tunes the whole encoder, so pass --method standard, or --init-from a whole model";

    private static void RefuseWithAdapter(TrainJobOptions options, string adapter)
    {
        if (options.Method == TrainingMethod.Contrastive)
            throw new UserInputException(AdapterNotContrastive(adapter));
        if (options.FreezeLayers is not null || options.Freeze.Count > 0)
            throw LoraOptions.FreezeRefusal(InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.Freeze)), options.Freeze,
                InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.FreezeLayers)), options.FreezeLayers, $"--init-from {adapter}, a LoRA adapter");
    }

    /// <summary>
    /// The contrastive options with a standard run are a mistake, not ignored: with an explicit <c>--method standard</c>
    /// <c>--method contrastive</c> was likely forgotten, with <c>auto</c> the data was larger than expected, and a
    /// resumed standard run never pairs.
    /// </summary>
    /// <exception cref="InvalidOptionException">One was given.</exception>
    private static void RefuseContrastiveOnlyOptions(TrainJobOptions options, TrainingMethodChoice method, TrainingArtifacts? resume)
    {
        var defaults = new ContrastiveOptions();
        var given = new (string Property, object? Value, bool Differs)[]
        {
            (InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.PairRounds)), options.Contrastive.PairRounds, options.Contrastive.PairRounds != defaults.PairRounds),
            (InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Epochs)), options.Contrastive.Epochs, options.Contrastive.Epochs != defaults.Epochs),
            (InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.HeadC)), options.Contrastive.HeadC, options.Contrastive.HeadC != defaults.HeadC),
            (InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Loss)), options.Contrastive.Loss, options.Contrastive.Loss != defaults.Loss),
            (InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Temperature)), options.Contrastive.Temperature, options.Contrastive.Temperature is not null),
        };
        foreach (var (property, value, _) in given.Where(g => options.WasSet(g.Property, g.Differs)))
            throw new InvalidOptionException(property, value!, resume is not null
                ? $"applies to contrastive training; the run in {resume.Directory} trains by standard fine-tuning"
                : options.Method == TrainingMethod.Auto
                    ? $"applies to contrastive training; --method auto chose standard fine-tuning ({method.Reason}), so pass --method contrastive to use it"
                    : "applies to --method contrastive or auto, not to standard fine-tuning");
    }

    /// <summary>
    /// A temperature with the cosine-similarity loss, which has none, is a mistake, not ignored: <c>--contrastive-loss supcon</c>
    /// was likely forgotten. <paramref name="loss"/> is the loss the run trains with: the one asked for, or a resumed run's.
    /// </summary>
    /// <exception cref="InvalidOptionException">The temperature was given.</exception>
    private static void RefuseTemperatureWithoutSupervisedContrastive(TrainJobOptions options, ContrastiveLoss loss, TrainingArtifacts? resume)
    {
        string temperature = InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.Temperature));
        if (loss == ContrastiveLoss.SupervisedContrastive || !options.WasSet(temperature, options.Contrastive.Temperature is not null)) return;
        string supervised = $"--contrastive-loss {ContrastiveOptions.ShortName(ContrastiveLoss.SupervisedContrastive)}";
        throw new InvalidOptionException(temperature, options.Contrastive.Temperature, resume is not null
            ? $"applies to {supervised}; the run in {resume.Directory} trains with the {ContrastiveOptions.ShortName(loss)} loss, which has no temperature"
            : $"applies to {supervised}; the {ContrastiveOptions.ShortName(loss)} loss has no temperature");
    }

    /// <summary>
    /// Training learns from different texts: on copies of one text contrastive training's every pair compares it with
    /// itself, and standard fine-tuning sees one input whatever its label, and either planned its steps to teach nothing.
    /// Refused, for both methods in one wording, before any graph is built.
    /// </summary>
    private static void RefuseFewerThanTwoTexts(TrainingData data, TrainJobOptions options, TrainingMethodChoice method)
    {
        int distinct = data.DistinctTrainingTexts();
        if (distinct >= 2) return;
        bool contrastive = method.Method == TrainingMethod.Contrastive;
        string chosen = options.Method == TrainingMethod.Auto
            ? $" (--method auto chose {(contrastive ? "contrastive" : "standard fine-tuning")}: {method.Reason})"
            : "";
        string learns = contrastive ? $"contrastive training{chosen} learns from pairs of different texts" : $"standard fine-tuning{chosen} learns what tells different texts apart";
        throw new UserInputException(
            $"{data.Source}: {(data.Training.Count == 1 ? "its training part is one example" : $"its {data.Training.Count} training examples are copies of one text")}; {learns}, so add examples with other texts");
    }
}
