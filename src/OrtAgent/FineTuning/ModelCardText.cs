using System.Globalization;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>The model card of a trained model: metadata plus the data and hyperparameters of the run.</summary>
internal static class ModelCardText
{
    /// <param name="options">The run's options.</param>
    /// <param name="properties">The training artifacts' recorded settings: what the graphs were built with, on a resumed run too.</param>
    /// <param name="data">The training and validation sets.</param>
    /// <param name="info">The exported model's metadata.</param>
    /// <param name="result">The fine-tuning outcome.</param>
    /// <param name="method">The training method and why it was used.</param>
    /// <param name="contrastive">The contrastive run's details, when the method was contrastive.</param>
    public static string For(TrainJobOptions options, TrainingProperties properties, TrainingData data, ClassifierModelInfo info, FineTuningResult result,
        TrainingMethodChoice method, ContrastiveResult? contrastive = null)
    {
        if (contrastive is not null) return ContrastiveCard(options, data, info, result, method, contrastive);
        var f = options.FineTuning;
        var weights = properties.ClassWeights is { } w ? ClassWeighting.Describe(data.Labels, w) : "none";
        var sections = new Dictionary<string, string>
        {
            ["Method"] = method.ToString(),
            ["Data"] = DataSection(data),
            ["Hyperparameters"] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| epochs | {f.Epochs} (at least {f.MinimumSteps} steps) |\n| batch size | {f.BatchSize} × {f.GradientAccumulation} accumulation |\n| learning rate | {f.LearningRate} ({LearningRateSchedule.NameOf(f.Scheduler)}, warmup {f.WarmupRatio}) |\n| weight decay | {options.WeightDecay} |\n| max grad norm | {f.MaxGradNorm} |\n| max length | {options.MaxLength} |\n| pooling | {properties.Pooling}{(properties.NormalizeEmbeddings ? ", L2-normalised (as the contrastive model it started from)" : "")} |\n| dropout | {properties.DropoutRatio} |\n| class weights | {weights} |\n| label smoothing | {properties.LabelSmoothing} |\n| seed | {f.Seed} |\n| early stopping | {EarlyStopping(f)} |"),
            ["Run"] = string.Create(CultureInfo.InvariantCulture,
                $"{result.Steps} optimizer steps in {result.Elapsed:hh\\:mm\\:ss}; {KeptModel(f, data, result)}. Files: `metrics.jsonl` (every step and evaluation), `training_curve.png`."),
        };
        if (properties.Lora is { } lora) sections["LoRA"] = LoraSection(lora, result);
        return ModelCard.FromInfo(info, sections);
    }

    /// <summary>The adapter settings and how much was trained; the exported weights have the adapters merged in.</summary>
    private static string LoraSection(LoraProperties lora, FineTuningResult result)
    {
        long adapters = result.BestParameters.Where(p => LoraParameterNames.IsAdapter(p.Key)).Sum(p => p.Value.ElementCount);
        long trainable = result.BestParameters.Sum(p => p.Value.ElementCount);
        return string.Create(CultureInfo.InvariantCulture,
            $"Low-rank adapters (Hu et al. 2021) were trained on the frozen base and merged into `model.onnx` (W + A·B·α/r).\n\n| setting | value |\n|---|---|\n| rank | {lora.Rank} |\n| alpha | {lora.Alpha} (scale {lora.Scale}) |\n| dropout | {lora.Dropout} |\n| targets | {string.Join(", ", lora.Targets)} ({lora.AdaptedWeights.Count} weights) |\n| trainable parameters | {trainable:N0} ({adapters:N0} in adapters, the rest in the head) |\n| base SHA-256 | `{lora.BaseSha256}` |");
    }

    /// <summary>
    /// Which model a fine-tuning run kept: its best evaluation's, or its last when asked to or when the validation set was
    /// too small to choose by.
    /// </summary>
    internal static string KeptModel(FineTuningOptions options, TrainingData data, FineTuningResult result) =>
        (options.SelectsOnValidation(data.Validation.Count) ? $"best {ValidationMetricNames.Of(options.Metric)} at step {result.BestStep}"
            : options.Keep == ModelToKeep.Last ? "the last model kept, as asked"
            : $"the last model kept ({data.Validation.Count} validation examples are too few to choose by)")
        + (result.StoppedEarly ? "; stopped early" : "");

    /// <summary>The hyperparameter table's early-stopping cell: what was to choose the kept model, and when nothing would.</summary>
    internal static string EarlyStopping(FineTuningOptions f) => f.Keep == ModelToKeep.Last
        ? "off: the last model kept, as asked"
        : string.Create(CultureInfo.InvariantCulture,
            $"{ValidationMetricNames.Of(f.Metric)}, patience {f.Patience}, mean of {f.SmoothingWindow} evaluations under {FineTuningOptions.SmallValidationSet} validation examples; off, the last model kept, under {f.MinimumValidationToSelect}");

    /// <remarks>Files are recorded by full path: <c>distill</c> reads them back from another working directory.</remarks>
    internal static string DataSection(TrainingData data) =>
        $"{TrainingLine}{Path.GetFullPath(data.Source)}`, {data.Training.Count} examples\n" +
        $"{ValidationLine}{(File.Exists(data.ValidationSource) ? Path.GetFullPath(data.ValidationSource) : data.ValidationSource)}`, {data.Validation.Count} examples";

    private const string TrainingLine = "- training: `";
    private const string ValidationLine = "- validation: `";

    /// <summary>
    /// The training and validation sources a card's data section records (what <c>distill</c> reuses when no
    /// <c>--data</c> is given); null where the card records none. A held-out split is recorded as a description, not a file.
    /// </summary>
    internal static (string? Training, string? Validation) RecordedData(string card)
    {
        string? training = null, validation = null;
        foreach (var line in card.Split('\n'))
        {
            training ??= Quoted(line, TrainingLine);
            validation ??= Quoted(line, ValidationLine);
        }
        return (training, validation);

        static string? Quoted(string line, string start)
        {
            if (!line.StartsWith(start, StringComparison.Ordinal)) return null;
            int end = line.IndexOf('`', start.Length);
            return end > start.Length ? line[start.Length..end] : null;
        }
    }

    private static string ContrastiveCard(TrainJobOptions options, TrainingData data, ClassifierModelInfo info, FineTuningResult result,
        TrainingMethodChoice method, ContrastiveResult contrastive)
    {
        var c = options.Contrastive;
        var head = contrastive.Head;
        // After stage 1 the candidates often all tie on accuracy, and the cross-entropy decides: the card shows both.
        var candidates = string.Join(", ", head.Candidates.Select(h => FormattableString.Invariant($"C={h.C:G4}: {h.Accuracy:P1}, loss {h.Loss:F3}")));
        var sections = new Dictionary<string, string>
        {
            ["Method"] = method + ". Stage 1 fine-tunes the encoder on sentence pairs (cosine similarity of mean-pooled embeddings, "
                + "squared error to 1 for same-label pairs and 0 otherwise); stage 2 fits a multinomial logistic regression on the "
                + "frozen, L2-normalised embeddings. The model is encoder + mean pooling + L2 normalisation + that linear head.",
            ["Data"] = DataSection(data),
            ["Hyperparameters"] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| pair rounds | {contrastive.Rounds}{(contrastive.Rounds > c.PairRounds ? $", raised from {c.PairRounds} to take at least {c.MinimumSteps} steps" : "")} ({contrastive.Pairs} pairs, half positive) |\n| contrastive epochs | {c.Epochs} |\n| batch size | {c.BatchSize} pairs |\n| learning rate | {c.LearningRate} (linear, warmup {c.WarmupRatio}) |\n| weight decay | {options.WeightDecay} |\n| max grad norm | {c.MaxGradNorm} |\n| max length | {options.MaxLength} |\n| head C | {head.C}{(head.Choice == HeadChoice.Fixed ? " (fixed)" : $" (the most accurate on {head.Basis}, ties to the lower cross-entropy, of {candidates})")} |\n| seed | {c.Seed} |"),
            ["Run"] = string.Create(CultureInfo.InvariantCulture,
                $"{result.Steps} optimizer steps of the encoder and the head fit in {result.Elapsed:hh\\:mm\\:ss}. Files: `metrics.jsonl` (every step and the head's evaluation), `training_curve.png`."),
        };
        return ModelCard.FromInfo(info, sections);
    }
}
