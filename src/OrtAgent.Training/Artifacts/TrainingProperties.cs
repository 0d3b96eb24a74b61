using System.Text.Json.Serialization;
using OrtAgent.Training.Adapters;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// The contents of <c>checkpoint/properties.json</c>: what was trained, from what, and where training stands.
/// Serialised with snake_case names; <see cref="FormatVersion"/> guards readers against layouts they do not know.
/// </summary>
public sealed record TrainingProperties
{
    /// <summary>The layout this library writes and the only one <see cref="TrainingArtifacts.Open"/> reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The layout of the file; <see cref="TrainingArtifacts.Open"/> refuses any other than <see cref="CurrentFormatVersion"/>.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The base model as given (directory or file).</summary>
    public required string BaseModel { get; init; }

    /// <summary>Label names in the order of the head's outputs; <see cref="NumLabels"/> of them.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Outputs of the head (classes, labels or regression targets).</summary>
    public required int NumLabels { get; init; }

    /// <summary><c>mean</c>, <c>cls</c> or <c>pooler</c>.</summary>
    public required string Pooling { get; init; }

    /// <summary>
    /// Whether a classification head reads L2-normalised embeddings (a standard run started from a contrastive model);
    /// artifacts written before this field existed do not. A contrastive run's own head always does.
    /// </summary>
    public bool NormalizeEmbeddings { get; init; }

    /// <summary><c>ce</c>, <c>bce</c>, <c>mse</c> or <c>kd</c> (distillation; the eval model uses <c>ce</c>); <c>pair_cosine</c> or <c>pair_supcon</c> for the contrastive objective (its cosine-similarity or supervised contrastive loss).</summary>
    public required string Loss { get; init; }

    /// <summary>Whether the run distils a student from a teacher's logits (<see cref="Loss"/> <c>kd</c>): only a distillation continues it.</summary>
    [JsonIgnore]
    public bool IsDistillation => Loss == Losses.LossOptions.ShortName(Losses.LossKind.Distillation);

    /// <summary>What the graphs optimise; artifacts written before this field existed are classification.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<TrainingObjective>))]
    public TrainingObjective Objective { get; init; } = TrainingObjective.Classification;

    /// <summary><c>adamw</c> or <c>sgd</c>.</summary>
    public required string Optimizer { get; init; }

    /// <summary>Hyper-parameters baked into the optimizer graph (betas, epsilon, weight decay, momentum…).</summary>
    public required IReadOnlyDictionary<string, double> OptimizerSettings { get; init; }

    /// <summary>The optimizer's weight decay, which AdamW and SGD both record among <see cref="OptimizerSettings"/>; null when absent.</summary>
    [JsonIgnore]
    public double? WeightDecay => OptimizerSettings.TryGetValue("weight_decay", out double decay) ? decay : null;

    /// <summary>Weight-decay exclusion globs baked into the optimizer graph.</summary>
    public required IReadOnlyList<string> NoDecay { get; init; }

    /// <summary>Freeze globs, layer ranges already expanded.</summary>
    public required IReadOnlyList<string> Freeze { get; init; }

    /// <summary>The seed the head, adapters and Dropout nodes were initialised with.</summary>
    public required int Seed { get; init; }

    /// <summary>Dropout probability before the head in the training graph, in [0, 1).</summary>
    public required float DropoutRatio { get; init; }

    /// <summary>Dropout probability inside the encoder in the training graph (<see cref="TrainingArtifactsOptions.EncoderDropoutRatio"/>); 0, and not written, for none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public float EncoderDropoutRatio { get; init; }

    /// <summary>Cross-entropy class weights baked into the training graph, one per label; null when unweighted.</summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }

    /// <summary>Cross-entropy label smoothing baked into the training graph, in [0, 1); 0 for none.</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>The temperature baked into the training graph: distillation's T (<see cref="Loss"/> <c>kd</c>) or the supervised contrastive loss's τ (<c>pair_supcon</c>); null for any other loss.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? Temperature { get; init; }

    /// <summary>Distillation weight α baked into the training graph; null unless <see cref="Loss"/> is <c>kd</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? DistillationWeight { get; init; }

    /// <summary>The default-domain opset of the three graphs: the base's own, raised to 17 when it was lower.</summary>
    public required long Opset { get; init; }

    /// <summary>The encoder's hidden size: the length of the pooled vector the head reads.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Whether the graphs take a <c>token_type_ids</c> input.</summary>
    public required bool HasTokenTypeIds { get; init; }

    /// <summary>Optimizer steps taken; 0 in freshly generated artifacts. The next step feeds <c>step = Step + 1</c>.</summary>
    public long Step { get; init; }

    /// <summary>The epoch in progress when the checkpoint was saved (1-based, as <see cref="Trainer.TrainerState.Epoch"/>); 0 in freshly generated artifacts.</summary>
    public long Epoch { get; init; }

    /// <summary>Parameters that are graph inputs of the training and eval models, in input order.</summary>
    public required IReadOnlyList<string> TrainableParameters { get; init; }

    /// <summary>Parameters kept as initializers (frozen); also stored in <c>model.safetensors</c>.</summary>
    public required IReadOnlyList<string> FrozenParameters { get; init; }

    /// <summary>Per-parameter optimizer state names, e.g. <c>exp_avg</c> and <c>exp_avg_sq</c>.</summary>
    public required IReadOnlyList<string> OptimizerStates { get; init; }

    /// <summary>Tokenizer length the trainer used; the exporter records it in the model. Null until a trainer sets it.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Whether the tokenizer lower-cases; null until a trainer sets it.</summary>
    public bool? LowerCase { get; init; }

    /// <summary>Short name of the base model (<c>minilm</c>), for the exported metadata; null until a trainer sets it.</summary>
    public string? BaseModelName { get; init; }

    /// <summary>
    /// The SHA-256 of the tokens of the run's <c>vocab.txt</c> as it was copied in (<c>ClassifierModelInfo.VocabularySha256</c>):
    /// a resume or an export refuses a <c>vocab.txt</c> that no longer hashes to it, which would read every text through
    /// other ids. Null in runs set up before 2026-12-07, or without a <c>vocab.txt</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VocabularySha256 { get; init; }

    /// <summary>
    /// The adapters of a LoRA run, or null. With LoRA the checkpoint holds only the trainable tensors (adapters and head);
    /// the frozen base weights stay in the graphs and in the base model, whose SHA-256 is recorded here, and
    /// <see cref="FrozenParameters"/> is empty.
    /// </summary>
    public LoraProperties? Lora { get; init; }

    /// <summary>How many named parameter tensors the model has, trainable and frozen (not how many weights).</summary>
    [JsonIgnore]
    public int ParameterCount => TrainableParameters.Count + FrozenParameters.Count;
}
