using System.Globalization;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// Host plumbing, internal (visible to the <c>ortagent</c> host): the weights that start a new run (<c>train --init-from</c>,
/// <c>TextClassifierTrainingOptions.InitFrom</c>), for scheduled retraining: an exported model, or a LoRA adapter
/// (<see cref="PeftAdapter"/>, whose rank, α and targets then shape the new run's adapters). Its messages name the
/// option it was given as (<c>Type.Property</c>), which a host may spell its own way.
/// </summary>
internal sealed class InitialModel
{
    private readonly IReadOnlyDictionary<string, TensorData> _weights;
    private readonly string _option;
    // The export as read, kept for OwnEncoder (which cuts it into its encoder) rather than parsed again; null for an adapter.
    private OnnxModel? _model;
    // The bytes of vocab.txt, read once by Open (which checks them against the model's records) for a run on the model's
    // own encoder: its casing, its tokenizer and the base written with the encoder. Null for an adapter, or a model without one.
    private readonly byte[]? _vocabulary;

    private InitialModel(string option, IReadOnlyList<string>? labels, IReadOnlyDictionary<string, TensorData> weights, string directory, LoraAdapter? adapter,
        ExportedHead? head, string? baseModelName = null, OnnxModel? model = null, byte[]? vocabulary = null)
    {
        _option = option;
        _model = model;
        _vocabulary = vocabulary;
        Labels = labels;
        Head = head;
        BaseModelName = baseModelName;
        _weights = weights;
        Directory = directory;
        Adapter = adapter;
    }

    /// <summary>Label names in output order, when the model or adapter records them.</summary>
    public IReadOnlyList<string>? Labels { get; }

    /// <summary>The directory the weights were read from, as given.</summary>
    public string Directory { get; }

    /// <summary>
    /// The base model the exported model or adapter records it was fine-tuned from (an adapter's is also checked by
    /// SHA-256), which a run that names no base builds on when it is a packaged one.
    /// </summary>
    public string? BaseModelName { get; }

    /// <summary>
    /// How the model's head reads the encoder: its pooling, and whether its embeddings are normalised (a contrastive
    /// model). Null when that is not recorded (an adapter written elsewhere) or not found (no head OrtAgent builds).
    /// </summary>
    public ExportedHead? Head { get; }

    /// <summary>
    /// The SHA-256 of the tokens of the vocabulary the model was trained with, as its export records it
    /// (<see cref="ClassifierModelInfo.VocabularySha256"/>); null for an adapter, or an export made before it was recorded.
    /// A run on the base (not on the model's own encoder) tokenizes with the base's <c>vocab.txt</c>, which must be this one.
    /// </summary>
    public string? VocabularySha256 { get; private init; }

    /// <summary>What a run on the base checks the base's vocabulary against: this model's recorded one, or null where none is recorded.</summary>
    internal RecordedVocabulary? RecordedVocabulary => BaseModels.RecordedVocabulary.Of(VocabularySha256, $"{_option} {Directory}");

    /// <summary>The model's encoder layers; null for an adapter, or when they are not found.</summary>
    public int? EncoderLayers { get; private init; }

    /// <summary>
    /// The model's own encoder, every layer of it, as the base of a run from a distilled student (which has fewer layers
    /// than the packaged base it records), held in memory: <see cref="DerivedEncoder.Write"/> writes it, with this model's
    /// <c>vocab.txt</c>, as a base-model directory only once the run may replace what its artifacts directory holds. Once:
    /// the encoder is cut out of the model as read by <see cref="Open"/>, which it replaces.
    /// </summary>
    /// <exception cref="InvalidOperationException">This is an adapter, or the encoder was taken already.</exception>
    /// <exception cref="UserInputException">The model has no <c>vocab.txt</c> to write with its encoder.</exception>
    public DerivedEncoder OwnEncoder()
    {
        var model = _model ?? throw new InvalidOperationException(Adapter is null ? "the model's own encoder was taken already" : "an adapter has no encoder of its own");
        var vocabulary = OwnVocabulary();
        _model = null;
        return DerivedEncoder.Hold(Training.Distillation.StudentEncoder.OwnEncoder(model), $"{_option} {Directory}: its encoder", remedy: null,
            (encoder, to) => Training.Distillation.StudentEncoder.WriteBase(encoder, vocabulary, to));
    }

    /// <summary>
    /// The encoder a new run on <paramref name="baseModel"/> builds on, when it is this model's own: a whole model with
    /// fewer layers than the base (a distilled student, or a model of another base), whose encoder
    /// <see cref="OwnEncoder"/> makes the run's base together with this model's <c>vocab.txt</c>. The run tokenizes
    /// with that vocabulary (<see cref="CreateTextEncoder"/>), lower-cased as it is, and within that encoder's position
    /// table, not the base's: a model of another base has other token ids, which its embedding table may not even hold.
    /// Null when the run builds on the base.
    /// </summary>
    /// <exception cref="UserInputException">The model has no <c>vocab.txt</c>, or its own encoder cannot be read as a base (<see cref="BaseModelInspector"/>).</exception>
    public BaseModelArchitecture? OwnEncoderOver(BaseModel baseModel)
    {
        if (Adapter is not null || EncoderLayers is not int layers || layers >= baseModel.Architecture.Layers) return null;
        var model = _model ?? throw new InvalidOperationException("the model's own encoder was written already");
        return BaseModelInspector.Inspect(model, BaseModel.ReadVocabulary(OwnVocabulary()), Path.Combine(Directory, ModelContract.ModelFile));
    }

    /// <summary>
    /// The tokenizer of a run on the model's own encoder (<see cref="OwnEncoderOver"/>): its <c>vocab.txt</c> as
    /// <see cref="Open"/> read it, with <paramref name="options"/>.
    /// </summary>
    /// <exception cref="UserInputException">The model has no <c>vocab.txt</c>.</exception>
    /// <exception cref="InvalidOptionException">The vocabulary is empty or lacks one of BERT's special tokens, said as the option's.</exception>
    public BertTextEncoder CreateTextEncoder(BertTextEncoderOptions options)
    {
        try
        {
            return BertTextEncoder.Create(OwnVocabulary(), Path.Combine(Directory, ModelContract.VocabularyFile), options);
        }
        catch (VocabularyRefusedException ex)
        {
            throw ex.AsOption(_option, Directory);
        }
    }

    // The model's vocab.txt as Open read it, which a run on its own encoder needs.
    private byte[] OwnVocabulary() =>
        _vocabulary ?? throw new UserInputException($"{_option} {Directory}: no {ModelContract.VocabularyFile} beside {ModelContract.ModelFile}; copy there the {ModelContract.VocabularyFile} of the model it was trained from");

    /// <summary>
    /// Refuses a whole model with more encoder layers than the run's base: its weights fit the base's layers by name and
    /// shape, so the layers beyond them would be dropped without a word. Fewer layers is a distilled student, whose own
    /// encoder becomes the base (<see cref="OwnEncoder"/>).
    /// </summary>
    /// <param name="baseLayers">The encoder layers of the base the run builds on.</param>
    /// <param name="baseOption">The option that names that base, <c>Type.Property</c>, for the remedy.</param>
    /// <exception cref="UserInputException">The model has more encoder layers than the base.</exception>
    public void RefuseMoreLayersThan(int baseLayers, string baseOption)
    {
        if (Adapter is null && EncoderLayers is int layers && layers > baseLayers)
            throw new UserInputException($"{_option} {Directory}: the model has {layers} encoder layers and the base model {baseLayers}; " +
                $"start from a model trained from {baseOption}, or from a student distilled from such a model");
    }

    /// <summary>
    /// What a run started from, as its model card says it (provenance): the directory by full path and what it holds; for
    /// an adapter its rank, α, targets and the base it was trained on, for a model the base it was fine-tuned from.
    /// </summary>
    public string Describe()
    {
        string path = Path.GetFullPath(Directory);
        if (Adapter is { Options: var lora } adapter)
            return string.Create(CultureInfo.InvariantCulture,
                $"The LoRA adapter in `{path}` (rank {lora.Rank}, alpha {lora.EffectiveAlpha}, targets {string.Join(", ", LoraTargetNames.Of(lora.Targets))}; " +
                $"trained on {adapter.BaseModelName ?? "a base it does not name"}{(adapter.BaseSha256 is { } sha ? $", base SHA-256 `{sha}`" : "")}): this run trained on from its adapters{(adapter.Head is null ? "" : " and head")}.");
        return $"The model in `{path}`{(BaseModelName is { } name && name != "unknown" ? $" (fine-tuned from {name})" : "")}: this run started from its weights.";
    }

    /// <summary>The adapter, when <see cref="Directory"/> holds one rather than a model.</summary>
    public LoraAdapter? Adapter { get; }

    /// <param name="directory">An exported model's or an adapter's directory.</param>
    /// <param name="option">The option that named it, <c>Type.Property</c> (<c>TrainJobOptions.InitFrom</c>), with which messages begin.</param>
    /// <exception cref="UserInputException">The directory holds neither an fp32 OrtAgent export nor an adapter, or the
    /// export records a max length longer than its position table (<see cref="ModelContract.ReadInfo"/>) or other
    /// vocabulary tokens than its <c>vocab.txt</c> holds.</exception>
    public static InitialModel Open(string directory, string option)
    {
        ModelDirectoryOption.RequireModelDirectory(directory, option, "start from");
        if (PeftAdapter.IsAdapterDirectory(directory))
        {
            var adapter = PeftAdapter.Read(directory);
            return new InitialModel(option, adapter.Labels, adapter.Tensors, directory, adapter, adapter.Head, adapter.BaseModelName);
        }
        var path = Path.Combine(directory, ModelContract.ModelFile);
        // A run's artifacts (where training wrote, and so where a user looks for its model) were refused above, with the way to a model.
        if (!File.Exists(path))
            throw Refusal(option, directory, $"no {ModelContract.ModelFile} (nor {PeftAdapter.ConfigFile}) there");
        try
        {
            // Before the graph is parsed: a newer OrtAgent's model may hold one this build cannot read.
            ModelFormatProbe.RefuseAnotherFormat(path);
        }
        catch (ModelLoadException ex)
        {
            throw ModelFileRefusal(option, directory, path, ex);
        }
        OnnxModel model;
        try
        {
            model = OnnxModel.Load(path);
        }
        catch (InvalidDataException ex)
        {
            throw Refusal(option, directory, ex.Message, ex);
        }
        ClassifierModelInfo info;
        try
        {
            info = ModelContract.ReadInfo(directory, model.Metadata);
        }
        catch (ModelLoadException ex)
        {
            throw ModelFileRefusal(option, directory, path, ex);
        }
        var vocabulary = RequireVocabularyFits(info, directory, option);
        if (model.Graph.Initializers.Any(v => v.Name.EndsWith("_int8", StringComparison.Ordinal)))
            throw Refusal(option, directory, "the model is int8-quantized; start from the fp32 export");
        return new InitialModel(option, info.Labels, model.Graph.Initializers.ToDictionary(v => v.Name, v => v.Initializer!), directory, adapter: null,
            ExportedHead.Find(model.Graph, out _), info.BaseModel, model, vocabulary)
        { EncoderLayers = Training.Distillation.StudentEncoder.LayerCount(model.Graph), VocabularySha256 = info.VocabularySha256 };
    }

    /// <summary>
    /// Refuses the model's <c>vocab.txt</c>, where it has one, when it is not the vocabulary the model records
    /// (<see cref="VocabularyFit"/>): a run on the model's own encoder tokenizes with it, and a directory whose vocabulary
    /// was cut short is a partial copy, whatever else it holds. Without one, a run on the base tokenizes with the base's.
    /// </summary>
    /// <returns>The file's bytes, kept for a run on the model's own encoder so the file is read once; null when there is none.</returns>
    private static byte[]? RequireVocabularyFits(ClassifierModelInfo info, string directory, string option)
    {
        var vocabulary = Path.Combine(directory, ModelContract.VocabularyFile);
        if (!File.Exists(vocabulary)) return null;
        try
        {
            return VocabularyFit.RequireFile(info, directory, vocabulary);
        }
        catch (ModelLoadException ex) when (ex.InnerException is IOException or UnauthorizedAccessException)
        {
            // The file could not be read at all, which RequireFile says of the directory: the option's refusal.
            throw Refusal(option, directory, ex.InnerException.Message, ex);
        }
        catch (ModelLoadException ex)
        {
            throw new UserInputException($"{option} {ex.Message}", ex);
        }
    }

    /// <summary>A refusal of the directory <paramref name="option"/> named: <c>{option} {directory}: {problem}</c>, its parts kept (<see cref="ValueRefusal"/>).</summary>
    private static UserInputException Refusal(string option, string directory, string problem, Exception? inner = null) =>
        new(new ValueRefusal($"{option} {directory}", problem), inner);

    /// <summary>
    /// What the model reader refused in the folder's <c>model.onnx</c> (a base encoder's, with no OrtAgent metadata; a
    /// newer format), as a refusal of the directory like the others here, so the facade throws it as its option's
    /// <see cref="InvalidOptionException"/>: <c>… /dir: model.onnx: has no OrtAgent metadata …</c>.
    /// </summary>
    private static UserInputException ModelFileRefusal(string option, string directory, string modelPath, ModelLoadException ex) =>
        Refusal(option, directory, ex.Message.StartsWith(modelPath + ": ", StringComparison.Ordinal)
            ? $"{ModelContract.ModelFile}: {ex.Message[(modelPath.Length + 2)..]}"
            : ex.Message, ex);

    /// <summary>
    /// The LoRA options of the new run: the adapter's, which <paramref name="requested"/> (the run's own flags) may not
    /// contradict, with its dropout when one was asked for (<see cref="LoraOptions.Dropout"/> not null, 0 included); null
    /// when starting from a whole model, which LoRA cannot train on: its encoder weights are merged, and new adapters
    /// need the base they were fine-tuned from as their frozen weights (the base an adapter-only export names by its SHA-256).
    /// </summary>
    /// <exception cref="UserInputException">The adapter's rank, α or targets differ from the requested ones, or a whole
    /// model was given LoRA options.</exception>
    /// <param name="requested">The run's own LoRA flags, or null.</param>
    /// <param name="rankSet">Whether <paramref name="requested"/>'s rank was asked for, not left at its default for the adapter to supply.</param>
    /// <param name="targetsSet">Whether its targets were asked for.</param>
    /// <param name="loraOption">The run's LoRA setting as <c>Type.Property</c>, which the refusal of a whole model names.</param>
    public LoraOptions? LoraFor(LoraOptions? requested, bool rankSet, bool targetsSet, string loraOption)
    {
        if (Adapter is null)
        {
            if (requested is not null)
                throw new UserInputException($"{_option} {Directory}: is a whole model, with no LoRA adapter to train on; " +
                    $"to continue LoRA training, start from an adapter written by {nameof(PeftAdapter)}.{nameof(PeftAdapter.Write)}, or leave {loraOption} unset");
            return null;
        }
        var own = Adapter.Options;
        if (requested is null) return new LoraOptions { Rank = own.Rank, Alpha = own.EffectiveAlpha, Dropout = own.Dropout, Targets = own.Targets };
        // α scales what the adapters add (α/r·A·B): another α would continue from another model. Dropout only regularises
        // training, so a new one may be asked (0 turns the adapter's off); left out (null), the adapter's is kept.
        var contradicting = new List<string>();
        if (rankSet && requested.Rank != own.Rank) contradicting.Add($"{Lora(nameof(LoraOptions.Rank))} {requested.Rank}");
        if (requested.Alpha is { } alpha && alpha != own.EffectiveAlpha) contradicting.Add($"{Lora(nameof(LoraOptions.Alpha))} {alpha.ToString(CultureInfo.InvariantCulture)}");
        if (targetsSet && requested.Targets != own.Targets) contradicting.Add($"{Lora(nameof(LoraOptions.Targets))} {string.Join(",", LoraTargetNames.Of(requested.Targets))}");
        if (contradicting.Count > 0)
            throw new UserInputException($"{_option} {Directory}: the adapter has rank {own.Rank}, α {own.EffectiveAlpha.ToString(CultureInfo.InvariantCulture)} and targets {string.Join(",", LoraTargetNames.Of(own.Targets))}; "
                + $"{string.Join(" ", contradicting)} cannot continue it");
        return new LoraOptions { Rank = own.Rank, Alpha = own.EffectiveAlpha, Dropout = requested.Dropout ?? own.Dropout, Targets = own.Targets };
    }

    /// <summary>
    /// The pooling of a standard run that trains on from this model's <see cref="Head"/>: the head's, whose weights were
    /// trained on what that pooling makes; <paramref name="requested"/> when there is no head to go by. (A contrastive run
    /// fits a new head on its own mean-pooled embeddings, so only its encoder weights carry over: it does not ask.)
    /// </summary>
    /// <param name="requested">The pooling the run's options hold.</param>
    /// <param name="requestedSet">Whether it was asked for, as the caller tells (a flag given, a value other than the default): a pooling left out follows the head.</param>
    /// <param name="poolingOption">The pooling setting as <c>Type.Property</c>, which a refusal names.</param>
    /// <exception cref="InvalidOptionException">Another pooling than the head's was asked for.</exception>
    public PoolingMode PoolingFor(PoolingMode requested, bool requestedSet, string poolingOption)
    {
        if (Head is not { } head || requested == head.Pooling) return requested;
        if (requestedSet)
            throw new InvalidOptionException(poolingOption, ClassifierHeadOptions.ShortName(requested),
                $"{_option} {Directory} pools with {ClassifierHeadOptions.ShortName(head.Pooling)}, which its head was trained on; leave it out");
        return head.Pooling;
    }

    /// <summary>
    /// The initial checkpoint of a new run's artifacts as it is being built (<paramref name="built"/>, recording
    /// <paramref name="properties"/>), with these weights in place of the built ones, matched by name and shape: the
    /// run's <see cref="StartingWeights"/>. Every trainable parameter must be found, or the run would silently start half
    /// fresh. Nothing is written, so a refusal leaves an earlier run in the artifacts directory as it was.
    /// </summary>
    /// <exception cref="UserInputException">A trainable parameter is missing, or the adapter was trained on another base.</exception>
    public IReadOnlyList<KeyValuePair<string, TensorData>> StartFrom(IReadOnlyList<KeyValuePair<string, TensorData>> built, TrainingProperties properties)
    {
        if (Adapter?.BaseSha256 is { } sha && properties.Lora is { } lora && !string.Equals(sha, lora.BaseSha256, StringComparison.OrdinalIgnoreCase))
            throw new UserInputException($"{_option} {Directory}: the adapter was trained on a base with SHA-256 {sha[..12]}…, not on '{properties.BaseModel}' ({lora.BaseSha256[..12]}…)");
        var replaced = new List<KeyValuePair<string, TensorData>>(built.Count);
        foreach (var (name, data) in built)
        {
            if (_weights.TryGetValue(name, out var trained) && trained.Dims.SequenceEqual(data.Dims)) replaced.Add(new(name, trained));
            else if (properties.TrainableParameters.Contains(name))
                throw new UserInputException($"{_option} {Directory}: the {(Adapter is null ? "model" : "adapter")} has no weight '{name}' shaped [{string.Join(",", data.Dims)}]; was it trained from the same base model{(Adapter is null && LoraParameterNames.IsAdapter(name) ? $" (to continue LoRA training, start from an adapter written by {nameof(PeftAdapter)}.{nameof(PeftAdapter.Write)})" : "")}?");
            else replaced.Add(new(name, data));
        }
        return replaced;
    }

    private static string Lora(string property) => InvalidOptionException.Name<LoraOptions>(property);
}
