using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
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
    /// <param name="resumedAtStep">The step this call resumed the run at; null when it began the run.</param>
    /// <param name="method">The training method and why it was used.</param>
    /// <param name="contrastive">The contrastive run's details, when the method was contrastive.</param>
    /// <param name="startedFrom">What the run started from (<c>--init-from</c>), as the card says it; null for its base model.</param>
    public static string For(TrainJobOptions options, TrainingProperties properties, TrainingData data, ClassifierModelInfo info, FineTuningResult result,
        long? resumedAtStep, TrainingMethodChoice method, ContrastiveResult? contrastive = null, string? startedFrom = null) =>
        ModelCard.FromInfo(info, ClassifierTrainingCard.Sections(options.FineTuning, options.Contrastive, options.WeightDecay, options.MaxLength,
            properties, Sources(data, options.TextColumn, options.LabelColumn), result, resumedAtStep, method, contrastive, withRunLog: true, startedFrom));

    /// <summary>
    /// What the card of a standard run can say as the run starts, kept in its artifacts
    /// (<see cref="TrainingArtifacts.RecordStartingCard"/>) for an export of the run before it finishes: the metadata
    /// without metrics, and <see cref="ClassifierTrainingCard.StartingSections"/> as <see cref="For"/> words them.
    /// </summary>
    public static string Starting(TrainJobOptions options, TrainingProperties properties, TrainingData data, ClassifierModelInfo info,
        TrainingMethodChoice method, string? startedFrom) =>
        ModelCard.FromInfo(info, ClassifierTrainingCard.StartingSections(options.FineTuning, options.WeightDecay, options.MaxLength,
            properties, Sources(data, options.TextColumn, options.LabelColumn), method, startedFrom));

    /// <remarks>
    /// Files are recorded by full path, and the columns named for them (<paramref name="textColumn"/>,
    /// <paramref name="labelColumn"/>, null where detected): <c>distill</c> reads them back from another working directory.
    /// </remarks>
    internal static ClassifierTrainingCard.DataSources Sources(TrainingData data, string? textColumn, string? labelColumn) =>
        new ClassifierTrainingCard.DataSources(data.Labels, NameOf(data.Source), data.Training.Count,
            File.Exists(data.ValidationSource) ? NameOf(data.ValidationSource) : data.ValidationSource, data.Validation.Count)
            .WithExamplesPerLabel(data.Training, data.Validation) with { TextColumn = textColumn, LabelColumn = labelColumn };

    /// <summary>
    /// How a card names the data file <paramref name="path"/>: by full path, or, for the sample shipped with the tool, as
    /// that sample (its path is inside one build's output, which says nothing to a reader; <c>distill</c> finds it again
    /// by <see cref="NamesEmbeddedSample"/>, and <c>--resume</c> by the run's own record of its data).
    /// </summary>
    public static string NameOf(string path) =>
        UnixFileStatus.SameFile(path, DefaultDataset.FilePath) ? EmbeddedSample : ClassifierTrainingCard.FileSource(Path.GetFullPath(path));

    private const string EmbeddedSample = "the embedded sample `reviews.csv`";

    /// <summary>True when <paramref name="card"/> says its model was trained on the embedded sample (<see cref="NameOf"/>).</summary>
    public static bool NamesEmbeddedSample(string card) =>
        card.ReplaceLineEndings("\n").Contains($"\n- training: {EmbeddedSample}, ", StringComparison.Ordinal);
}
