using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Parameters;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// What <see cref="TextClassifierTrainer.Train"/> trains on and where it writes; <see cref="Validate"/> checks the values
/// that need no files, and <see cref="TextClassifierTrainer.Train"/> calls it first.
/// </summary>
public sealed record TextClassifierTrainingOptions
{
    /// <summary>
    /// The base model's directory: a BERT encoder <c>model.onnx</c> with its <c>vocab.txt</c>, such as a pulled base
    /// (<c>models/base/minilm</c>, which <c>ortagent models pull minilm</c> writes under the model store).
    /// </summary>
    public required string BaseModel { get; init; }

    /// <summary>
    /// Where the run keeps its training graphs and checkpoints; a new or empty directory, or one holding an earlier run's
    /// artifacts (see <see cref="ExistingRun"/>). The run claims it while it trains (<see cref="Artifacts.ArtifactsClaim"/>).
    /// </summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>
    /// Where the trained model is exported, replaced as a whole: a new or empty directory, or an earlier OrtAgent export.
    /// The run claims it from start to end, as it claims <see cref="ArtifactsDirectory"/>, so a second run exporting
    /// there (with artifacts of its own) is refused instead of replacing this run's model.
    /// </summary>
    public required string OutputDirectory { get; init; }

    /// <summary>
    /// How to train: <see cref="TrainingMethod.Auto"/> (the default) trains contrastively when the smallest class has
    /// fewer than <see cref="TrainingMethodChoice.ContrastiveBelowPerClass"/> training examples, else by standard fine-tuning.
    /// </summary>
    public TrainingMethod Method { get; init; } = TrainingMethod.Auto;

    /// <summary>
    /// Standard fine-tuning's settings; whatever the method, their <see cref="FineTuningOptions.Seed"/> seeds the
    /// artifacts and picks the held-out validation examples, and their <see cref="FineTuningOptions.Metric"/> is the one
    /// reported. A contrastive run reads only those two, and refuses any other setting away from its default rather than
    /// drop it, naming the <see cref="Contrastive"/> setting of the same name where there is one
    /// (<see cref="FineTuningOptions.Epochs"/> → <see cref="ContrastiveOptions.Epochs"/>). A setting at its default
    /// cannot be told from one left out, so it passes (<c>ortagent train</c>, which sees the flags typed, refuses them at any value);
    /// <see cref="FineTuningOptions.LearningRate"/>, null unless set, is refused at any value set. Left null, a standard
    /// run's rate is resolved as it starts (<see cref="FineTuningOptions.WithLearningRateResolved"/>: a resumed run's own,
    /// <see cref="LoraOptions.DefaultLearningRate"/> for adapters, else <see cref="FineTuningOptions.DefaultLearningRate"/>),
    /// and the run's recorded settings and card show the rate it trained at.
    /// </summary>
    public FineTuningOptions FineTuning { get; init; } = new();

    /// <summary>Contrastive training's settings, read when the run trains contrastively (a standard run leaves them unread).</summary>
    public ContrastiveOptions Contrastive { get; init; } = new();

    /// <summary>
    /// The longest token sequence trained on and predicted, [CLS] and [SEP] included: 8 to 512, capped at the positions of
    /// the encoder trained (the base model's), which the observer is told (<see cref="ITrainingObserver.OnMessage"/>); the
    /// result's <see cref="TextClassifierTrainingResult.MaxLength"/> is the length used.
    /// </summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>
    /// The label names in the model's output order. Null (the default) takes the training data's labels in numeric order
    /// when every one is an integer (<c>"2"</c> before <c>"10"</c>), else all in ordinal string order (<c>"10"</c> before
    /// <c>"2"</c> before <c>"b"</c>), as <see cref="OrtAgent.Data.LabelSet"/> and the command line do; given, every name must have
    /// training examples.
    /// </summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>
    /// The share of each label's examples held out for validation when no validation data is given: greater than 0 and
    /// less than 1, at least one example of each label with two or more. Defaults to 0.1, as the command line. A resumed
    /// run keeps the fraction it began with, as it keeps its examples.
    /// </summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>What to do with a run found in <see cref="ArtifactsDirectory"/>: resume it (the default) or replace it.</summary>
    public ExistingRun ExistingRun { get; init; } = ExistingRun.Resume;

    /// <summary>
    /// An exported OrtAgent model (fp32) or a LoRA adapter whose weights start a new run, for retraining on new data
    /// (<c>ortagent train --init-from</c>): the training data must carry the model's labels, which keep its order; a
    /// standard run trains on from its head (with its pooling), an adapter's run on with its rank, α and targets (standard
    /// fine-tuning only); a contrastive run takes the encoder's weights and fits a new head. The model must have
    /// <see cref="BaseModel"/>'s shapes, and its layers or fewer: a student distilled from a model of that base trains on
    /// its own encoder, which the run writes into <see cref="ArtifactsDirectory"/> as its base. Null (the default) starts from <see cref="BaseModel"/>. A resumed run
    /// continues from its own checkpoint and refuses another value than the one it began with.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>
    /// Train low-rank adapters and the head instead of the whole model (<c>ortagent train --lora-rank</c>): every base
    /// weight stays frozen, so far fewer parameters train and the export is the base with the adapters merged. Null (the
    /// default) fine-tunes the whole model. Standard fine-tuning only; it does not combine with <see cref="Freeze"/> or
    /// <see cref="FreezeLayers"/>, since it freezes every base weight already. With an adapter as <see cref="InitFrom"/>,
    /// the run takes the adapter's rank, α and targets, which a value here may not contradict, and its dropout unless
    /// <see cref="LoraOptions.Dropout"/> here is set (0 turns it off; null, the default, keeps the adapter's).
    /// A new LoRA run (this, or an adapter as <see cref="InitFrom"/>) whose <see cref="FineTuningOptions.LearningRate"/> is
    /// left unset (null) trains at <see cref="LoraOptions.DefaultLearningRate"/>, as <c>train --lora-rank</c> without
    /// <c>--lr</c> does; any rate set, full fine-tuning's 5e-5 included, is trained at as given.
    /// </summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>
    /// How the classification head reads the encoder's token states (<c>ortagent train --pooling</c>):
    /// <see cref="PoolingMode.Mean"/> (the default), <see cref="PoolingMode.Cls"/> or <see cref="PoolingMode.Pooler"/>.
    /// Standard fine-tuning only: contrastive training compares mean-pooled embeddings. A run from an
    /// <see cref="InitFrom"/> model with a head pools as that head does; another value than the default is refused there.
    /// </summary>
    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

    /// <summary>
    /// Parameters to keep frozen, by name glob (<c>embeddings.*</c>, <c>encoder.layer.0.*</c>; <c>ortagent train --freeze</c>);
    /// each must match a parameter of the model. Empty (the default) trains every parameter.
    /// </summary>
    public IReadOnlyList<string> Freeze { get; init; } = [];

    /// <summary>Encoder layers to keep frozen, by index range (<c>0-3</c>, <c>ortagent train --freeze-layers</c>); null (the default) for none.</summary>
    public string? FreezeLayers { get; init; }

    /// <summary>
    /// How standard fine-tuning's cross-entropy loss weighs the classes (<c>ortagent train --class-weights</c>):
    /// <see cref="ClassWeighting.None"/> (the default), <see cref="ClassWeighting.Balanced"/> for imbalanced data, or
    /// weights in label order or by label name. The run's artifacts record the weights it resolved from the training data.
    /// Contrastive training has no such loss and refuses any other value.
    /// </summary>
    public ClassWeighting ClassWeights { get; init; } = ClassWeighting.None;

    /// <summary>
    /// Export the model with int8 weights (<see cref="Export.ExportOptions.QuantizeInt8"/>, what <c>ortagent export --quantize int8</c>
    /// writes): the MatMul weights and embedding tables quantized, about 4× smaller, for CPU inference. Training is the
    /// same either way; the checkpoint in <see cref="ArtifactsDirectory"/> keeps the fp32 weights. False (the default) exports fp32.
    /// </summary>
    public bool QuantizeInt8 { get; init; }

    /// <summary>The ONNX Runtime sessions' settings: device, threads.</summary>
    public OrtSessionSettings Session { get; init; } = new();

    /// <summary>Checks every value that needs no file; the first bad one is an <see cref="InvalidOptionException"/> naming its property.</summary>
    /// <exception cref="InvalidOptionException">A value is missing or out of range.</exception>
    public void Validate()
    {
        foreach (var (name, path) in new[] { (nameof(BaseModel), BaseModel), (nameof(ArtifactsDirectory), ArtifactsDirectory), (nameof(OutputDirectory), OutputDirectory) })
            if (string.IsNullOrWhiteSpace(path)) throw Invalid(name, path, "is required");
        if (!Enum.IsDefined(Method)) throw Invalid(nameof(Method), (int)Method, "must be Standard, Contrastive or Auto");
        if (!Enum.IsDefined(ExistingRun)) throw Invalid(nameof(ExistingRun), (int)ExistingRun, "must be Resume or Replace");
        if (MaxLength is < 8 or > 512) throw Invalid(nameof(MaxLength), MaxLength, "must be between 8 and 512");
        if (!(ValidationFraction > 0 && ValidationFraction < 1)) throw Invalid(nameof(ValidationFraction), ValidationFraction, "must be greater than 0 and less than 1");
        if (FineTuning is null) throw Invalid(nameof(FineTuning), null, "is required");
        if (Contrastive is null) throw Invalid(nameof(Contrastive), null, "is required");
        if (Session is null) throw Invalid(nameof(Session), null, "is required");
        if (!Enum.IsDefined(Pooling)) throw Invalid(nameof(Pooling), (int)Pooling, "must be Mean, Cls or Pooler");
        if (Freeze is null) throw Invalid(nameof(Freeze), null, "is required; an empty list freezes nothing");
        foreach (var pattern in Freeze)
            if (string.IsNullOrWhiteSpace(pattern)) throw Invalid(nameof(Freeze), string.Join(",", Freeze), "holds an empty pattern");
        if (FreezeLayers is not null && LayerRange.Problem(FreezeLayers) is { } layers) throw Invalid(nameof(FreezeLayers), FreezeLayers, layers);
        Lora?.Validate();
        if (Lora is not null && (Freeze.Count > 0 || FreezeLayers is not null))
            throw LoraOptions.FreezeRefusal(InvalidOptionException.Name<TextClassifierTrainingOptions>(nameof(Freeze)), Freeze,
                InvalidOptionException.Name<TextClassifierTrainingOptions>(nameof(FreezeLayers)), FreezeLayers, InvalidOptionException.Name<TextClassifierTrainingOptions>(nameof(Lora)));
        if (InitFrom is not null && string.IsNullOrWhiteSpace(InitFrom)) throw Invalid(nameof(InitFrom), InitFrom, "is blank; give a model's directory, or null to start from BaseModel");
        if (ClassWeights is null) throw Invalid(nameof(ClassWeights), null, "is required; ClassWeighting.None weighs every class 1");
        ClassWeights.Validate(InvalidOptionException.Name<TextClassifierTrainingOptions>(nameof(ClassWeights)));
        FineTuning.Validate();
        Contrastive.Validate();
        if (Labels is not null)
        {
            if (Labels.Any(string.IsNullOrWhiteSpace)) throw Invalid(nameof(Labels), string.Join(",", Labels), "holds an empty name");
            if (Labels.Select(label => (label, problem: InMemoryExamples.LabelProblem(label))).FirstOrDefault(l => l.problem is not null) is ({ } bad, { } why))
                throw Invalid(nameof(Labels), string.Join(",", Labels), $"label {PrintableText.Quote(bad)} {why}");
            if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count) throw Invalid(nameof(Labels), string.Join(",", Labels), "names a label twice");
            if (Labels.Count < 2) throw Invalid(nameof(Labels), string.Join(",", Labels), "must name at least two labels");
        }
    }

    private static InvalidOptionException Invalid(string property, object? value, string reason) =>
        new(InvalidOptionException.Name<TextClassifierTrainingOptions>(property), value, reason);
}
