using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Artifacts;

/// <summary>Everything <see cref="TrainingArtifacts.Generate(TrainingArtifactsOptions, string)"/> needs; <see cref="Validate()"/> checks it all up front.</summary>
public sealed record TrainingArtifactsOptions
{
    /// <summary>A base-model directory holding <c>model.onnx</c>, or the path of an encoder <c>.onnx</c> file.</summary>
    public required string BaseModel { get; init; }

    /// <summary>Outputs of the head: classes for ce and kd (at least 2), labels for bce, targets for mse; 1 to <see cref="ClassifierHeadOptions.MaxLabels"/>.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary>Label names in output order; <c>LABEL_0</c>… when null.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>How the head reduces the token states to one vector; <see cref="PoolingMode.Pooler"/> needs a base that exports a pooler.</summary>
    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

    /// <summary>
    /// Scale the pooled vector to unit length before the head: a standard run that starts from a contrastively trained
    /// model keeps the normalised embeddings its head was fitted on (<see cref="ClassifierHeadOptions.NormalizeEmbeddings"/>).
    /// </summary>
    public bool NormalizeEmbeddings { get; init; }

    /// <summary>
    /// What the graphs optimise. <see cref="TrainingObjective.PairSimilarity"/> trains the encoder alone (no head, no
    /// dropout): mean pooling only, and <see cref="Loss"/>, class weights and label smoothing do not apply.
    /// </summary>
    public TrainingObjective Objective { get; init; } = TrainingObjective.Classification;

    /// <summary>
    /// The loss of <see cref="TrainingObjective.PairSimilarity"/> graphs (<see cref="ContrastiveOptions.Loss"/>, which
    /// <see cref="ContrastiveTrainer"/> requires the artifacts to match); recorded in <see cref="TrainingProperties.Loss"/>.
    /// </summary>
    public ContrastiveLoss ContrastiveLoss { get; init; } = ContrastiveLoss.CosineSimilarity;

    /// <summary>The temperature τ of <see cref="ContrastiveLoss.SupervisedContrastive"/> (<see cref="ContrastiveOptions.Temperature"/>), between 0.001 and 1000 inclusive.</summary>
    public double ContrastiveTemperature { get; init; } = ContrastiveOptions.DefaultTemperature;

    /// <summary>The training loss; cross-entropy by default. Class weights and label smoothing apply to cross-entropy only.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>Cross-entropy class weights (PyTorch's <c>weight</c>), or null.</summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }

    /// <summary>Cross-entropy label smoothing in [0, 1).</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>Temperature T of <see cref="LossKind.Distillation"/>.</summary>
    public float Temperature { get; init; } = 2f;

    /// <summary>Weight α of the distillation term of <see cref="LossKind.Distillation"/>.</summary>
    public float DistillationWeight { get; init; } = 0.5f;

    /// <summary>Which optimizer graph is built; only the matching <see cref="AdamW"/> or <see cref="Sgd"/> options are used and checked.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>Hyperparameters when <see cref="Optimizer"/> is <see cref="OptimizerKind.AdamW"/>.</summary>
    public AdamWOptions AdamW { get; init; } = new();

    /// <summary>Hyperparameters when <see cref="Optimizer"/> is <see cref="OptimizerKind.Sgd"/>.</summary>
    public SgdOptions Sgd { get; init; } = new();

    /// <summary>Name globs of parameters to freeze, e.g. <c>embeddings.*</c>; each must match some parameter.</summary>
    public IReadOnlyList<string> FreezePatterns { get; init; } = [];

    /// <summary>Encoder layers to freeze, e.g. <c>0-3</c> for <c>encoder.layer.0.*</c> … <c>encoder.layer.3.*</c>; null for none.</summary>
    public string? FreezeLayers { get; init; }

    /// <summary>Seeds the head's initial weights (normal, std 0.02), the adapters' A matrices and the graphs' Dropout nodes, 0 or more (as <see cref="Trainer.FineTuningOptions.Seed"/>); recorded in the properties.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Tokenizer settings and base-model name recorded in the properties for export; optional.</summary>
    public int? MaxLength { get; init; }

    /// <inheritdoc cref="MaxLength"/>
    public bool? LowerCase { get; init; }

    /// <inheritdoc cref="MaxLength"/>
    public string? BaseModelName { get; init; }

    /// <summary>Dropout probability before the head in the training graph, in [0, 1); the eval graph has none.</summary>
    public float DropoutRatio { get; init; } = 0.1f;

    /// <summary>
    /// Dropout probability inside the encoder in the training graph, in [0, 1), as BERT trains (0.1 there): after the
    /// embeddings' LayerNorm, on each attention softmax and on each layer's two output projections before the residual
    /// add. 0 (the default) adds none; the eval graph, and so the exported model, never has any. Each site draws from a
    /// RandomUniformLike seeded from <see cref="Seed"/>, so a run repeats its masks, but a resumed run starts the draws
    /// again (the head's dropout, drawn by the trainer, resumes exactly). The pair-similarity objective leaves it out,
    /// as it leaves out the head's.
    /// </summary>
    public float EncoderDropoutRatio { get; init; }

    /// <summary>
    /// <see cref="TrainingArtifacts.Generate(TrainingArtifactsOptions, string)"/> marks the directory as being set up (<see cref="TrainingArtifacts.BeginSetup"/>)
    /// once the options are checked and the graphs built, before it changes anything, and leaves the mark for the caller
    /// to remove (<see cref="TrainingArtifacts.CompleteSetup"/>) when its records and starting weights are in place. A
    /// refused run so leaves an earlier run in the directory as it was.
    /// </summary>
    public bool LeaveMarkedForSetup { get; init; }

    /// <summary>
    /// Train low-rank adapters instead of the encoder: every base weight is frozen, the targeted ones carry adapters, and
    /// only the adapters and the classifier head are trained. Null trains the whole model (less what is frozen).
    /// </summary>
    public LoraOptions? Lora { get; init; }

    internal ClassifierHeadOptions HeadOptions => new() { NumLabels = NumLabels, Pooling = Pooling, NormalizeEmbeddings = NormalizeEmbeddings, DropoutRatio = DropoutRatio, Seed = Seed };

    internal LossOptions LossOptions => new()
    {
        Kind = Loss, ClassWeights = ClassWeights, LabelSmoothing = LabelSmoothing, Temperature = Temperature, DistillationWeight = DistillationWeight,
    };

    /// <summary>The freeze patterns with <see cref="FreezeLayers"/> expanded, in the order given.</summary>
    public IReadOnlyList<string> AllFreezePatterns() => LayerRange.WithPatternsOf(FreezePatterns, FreezeLayers);

    /// <summary>The label names, generated when <see cref="Labels"/> is null.</summary>
    public IReadOnlyList<string> LabelNames() => Labels ?? Enumerable.Range(0, NumLabels).Select(i => $"LABEL_{i}").ToArray();

    /// <summary>The encoder file: <see cref="BaseModel"/> itself, or its <c>model.onnx</c> when it is a directory.</summary>
    /// <exception cref="UserInputException">Neither exists.</exception>
    public string ResolveEncoderPath()
    {
        if (Directory.Exists(BaseModel))
        {
            var inside = Path.Combine(BaseModel, ModelContract.ModelFile);
            return File.Exists(inside) ? inside : throw new UserInputException($"base model directory '{BaseModel}' has no {ModelContract.ModelFile}");
        }
        return File.Exists(BaseModel) ? BaseModel : throw new UserInputException($"base model '{BaseModel}' does not exist");
    }

    /// <exception cref="UserInputException">An option is invalid or the options contradict each other.</exception>
    public void Validate() => Validate(encoderOnDisk: true);

    /// <param name="encoderOnDisk">
    /// Whether <see cref="BaseModel"/> must be there already; false for an encoder made for the run and held in memory,
    /// which is written there only once the run may replace what the directory holds.
    /// </param>
    internal void Validate(bool encoderOnDisk)
    {
        if (string.IsNullOrWhiteSpace(BaseModel)) throw new UserInputException("a base model is required");
        if (Seed < 0) throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(Seed)), Seed, "must be 0 or more");
        if (encoderOnDisk) ResolveEncoderPath();
        HeadOptions.Validate();
        if (EncoderDropoutRatio is < 0f or >= 1f || float.IsNaN(EncoderDropoutRatio))
            throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(EncoderDropoutRatio)), EncoderDropoutRatio, "must be at least 0 and below 1");
        // Said here, where the label count and the loss are both options, so the message can name them.
        if (LossOptions.TooFewLabels(Loss, NumLabels, InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(Loss)), sayCount: false) is { } tooFew)
            throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(NumLabels)), NumLabels, tooFew);
        LossOptions.Validate(NumLabels);
        if (Labels is not null && Labels.Count != NumLabels)
            throw new UserInputException($"{Labels.Count} label names were given for {NumLabels} labels");
        if (Labels is not null && Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
            throw new UserInputException("label names must be distinct");
        // As a data file's labels are checked: "Spam" beside "spam" would be two classes of one.
        if (Labels is not null && LabelSet.FirstVariants(Labels) is { } variants)
            throw LabelSet.CaseVariants(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(Labels)), variants);
        if (Optimizer == OptimizerKind.AdamW) AdamW.Validate(); else Sgd.Validate();
        if (Objective == TrainingObjective.PairSimilarity)
        {
            if (NumLabels < 2) throw new UserInputException($"contrastive training needs at least 2 labels, not {NumLabels}");
            if (Pooling != PoolingMode.Mean) throw new UserInputException("contrastive training compares mean-pooled embeddings; use mean pooling");
            // Its pairs are always compared normalised, and the head fitted afterwards reads them so; this flag is the classification head's.
            if (NormalizeEmbeddings) throw new UserInputException("contrastive training normalises its embeddings itself; NormalizeEmbeddings is for a classification head");
            if (Loss != LossKind.CrossEntropy || ClassWeights is not null || LabelSmoothing != 0f)
                throw new UserInputException("contrastive training has its own pair loss; loss kinds, class weights and label smoothing do not apply");
            if (!Enum.IsDefined(ContrastiveLoss))
                throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(ContrastiveLoss)), (int)ContrastiveLoss, "must be CosineSimilarity or SupervisedContrastive");
            // Only the supervised contrastive loss reads it (the cosine loss's graph has no temperature).
            if (ContrastiveLoss == ContrastiveLoss.SupervisedContrastive)
                ContrastiveOptions.CheckTemperature(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(ContrastiveTemperature)), ContrastiveTemperature);
        }
        else if (ContrastiveLoss != ContrastiveLoss.CosineSimilarity)
            throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(ContrastiveLoss)), ContrastiveLoss, "applies to the pair-similarity objective (contrastive training), not to classification");
        if (FreezeLayers is not null && LayerRange.Problem(FreezeLayers) is { } layers)
            throw new InvalidOptionException(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(FreezeLayers)), FreezeLayers, layers);
        foreach (var p in AllFreezePatterns()) NameGlob.Parse(p);
        if (Lora is not null)
        {
            Lora.Validate();
            if (AllFreezePatterns().Count > 0)
                throw LoraOptions.FreezeRefusal(InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(FreezePatterns)), FreezePatterns,
                    InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(FreezeLayers)), FreezeLayers, InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(Lora)));
            if (Objective == TrainingObjective.PairSimilarity)
                throw new UserInputException("LoRA applies to standard fine-tuning, not to the contrastive method");
        }
    }
}
