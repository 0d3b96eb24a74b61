using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>The model card of a model <c>train</c> made: its metadata plus <see cref="ClassifierTrainingCard"/>'s sections, the data named by file.</summary>
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
        TrainingMethodChoice method, ContrastiveResult? contrastive = null) =>
        ModelCard.FromInfo(info, ClassifierTrainingCard.Sections(options.FineTuning, options.Contrastive, options.WeightDecay, options.MaxLength,
            properties, Sources(data), result, method, contrastive));

    /// <remarks>Files are recorded by full path: <c>distill</c> reads them back from another working directory.</remarks>
    internal static ClassifierTrainingCard.DataSources Sources(TrainingData data) =>
        new(data.Labels, Path.GetFullPath(data.Source), data.Training.Count,
            File.Exists(data.ValidationSource) ? Path.GetFullPath(data.ValidationSource) : data.ValidationSource, data.Validation.Count);
}
