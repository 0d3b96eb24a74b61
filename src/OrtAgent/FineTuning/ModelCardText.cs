using System.Globalization;
using OrtAgent.Runtime;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>The model card of a trained model: metadata plus the data and hyperparameters of the run.</summary>
internal static class ModelCardText
{
    public static string For(TrainJobOptions options, TrainingData data, ClassifierModelInfo info, FineTuningResult result)
    {
        var f = options.FineTuning;
        var sections = new Dictionary<string, string>
        {
            ["Data"] = $"- training: `{data.Source}`, {data.Training.Count} examples\n- validation: `{data.ValidationSource}`, {data.Validation.Count} examples",
            ["Hyperparameters"] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| epochs | {f.Epochs} |\n| batch size | {f.BatchSize} × {f.GradientAccumulation} accumulation |\n| learning rate | {f.LearningRate} ({f.Scheduler}, warmup {f.WarmupRatio}) |\n| weight decay | {options.WeightDecay} |\n| max grad norm | {f.MaxGradNorm} |\n| max length | {options.MaxLength} |\n| pooling | {options.Pooling} |\n| dropout | {options.DropoutRatio} |\n| seed | {f.Seed} |\n| early stopping | {f.Metric}, patience {f.Patience} |"),
            ["Run"] = string.Create(CultureInfo.InvariantCulture,
                $"{result.Steps} optimizer steps in {result.Elapsed:hh\\:mm\\:ss}; best {f.Metric} at step {result.BestStep}{(result.StoppedEarly ? "; stopped early" : "")}. Files: `metrics.jsonl` (every step and evaluation), `training_curve.png`."),
        };
        return ModelCard.FromInfo(info, sections);
    }
}
