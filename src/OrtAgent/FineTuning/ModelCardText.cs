using System.Globalization;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
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
    public static string For(TrainJobOptions options, TrainingProperties properties, TrainingData data, ClassifierModelInfo info, FineTuningResult result)
    {
        var f = options.FineTuning;
        string metric = ValidationMetricNames.Of(f.Metric);
        var weights = properties.ClassWeights is { } w ? ClassWeighting.Describe(data.Labels, w) : "none";
        var sections = new Dictionary<string, string>
        {
            ["Data"] = $"- training: `{data.Source}`, {data.Training.Count} examples\n- validation: `{data.ValidationSource}`, {data.Validation.Count} examples",
            ["Hyperparameters"] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| epochs | {f.Epochs} |\n| batch size | {f.BatchSize} × {f.GradientAccumulation} accumulation |\n| learning rate | {f.LearningRate} ({LearningRateSchedule.NameOf(f.Scheduler)}, warmup {f.WarmupRatio}) |\n| weight decay | {options.WeightDecay} |\n| max grad norm | {f.MaxGradNorm} |\n| max length | {options.MaxLength} |\n| pooling | {ClassifierHeadOptions.ShortName(options.Pooling)} |\n| dropout | {properties.DropoutRatio} |\n| class weights | {weights} |\n| label smoothing | {properties.LabelSmoothing} |\n| seed | {f.Seed} |\n| early stopping | {metric}, patience {f.Patience} |"),
            ["Run"] = string.Create(CultureInfo.InvariantCulture,
                $"{result.Steps} optimizer steps in {result.Elapsed:hh\\:mm\\:ss}; best {metric} at step {result.BestStep}{(result.StoppedEarly ? "; stopped early" : "")}. Files: `metrics.jsonl` (every step and evaluation), `training_curve.png`."),
        };
        return ModelCard.FromInfo(info, sections);
    }
}
