using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Distillation;

/// <summary>
/// A fine-tuned OrtAgent classifier (an export: <c>model.onnx</c> with OrtAgent metadata, <c>vocab.txt</c>) read back
/// as a teacher: its labels and tokenizer settings, its encoder's layer count, how its head pools, and the head's
/// trained weights, which the student starts from. <see cref="BuildStudentEncoder"/> cuts its graph into the student's
/// base encoder.
/// </summary>
public sealed class TeacherModel
{
    // The option Open is given a teacher by when none is named: the library's own.
    private const string TeacherOption = nameof(TextClassifiers.TextClassifierDistillationOptions) + "." + nameof(TextClassifiers.TextClassifierDistillationOptions.Teacher);

    private TeacherModel(string option, string directory, ClassifierModelInfo info, byte[] vocabulary, string modelDigest, int? positionRows, int layers,
        PoolingMode pooling, TensorData headWeight, TensorData headBias)
    {
        _option = option;
        Directory = directory;
        _vocabulary = vocabulary;
        _modelDigest = modelDigest;
        _positionRows = positionRows;
        Info = info;
        Layers = layers;
        Pooling = pooling;
        HeadWeight = headWeight;
        HeadBias = headBias;
    }

    // The option that named the teacher (Type.Property), which a refusal of its vocabulary names.
    private readonly string _option;

    // The rows of model.onnx's position table, read once by Open for the description and kept for CheckMaxLength.
    private readonly int? _positionRows;

    // The bytes of vocab.txt, read once by Open (which counts its tokens) for the student's tokenizer and base.
    private readonly byte[] _vocabulary;

    // The digest of model.onnx (ModelDigest.OfModel), taken by Open of the bytes it loaded: Digest read the whole file
    // again (90 MB for minilm), and could have digested another model than the one loaded, had it been replaced between.
    private readonly string _modelDigest;

    /// <summary>Full path of the teacher's directory.</summary>
    public string Directory { get; }

    /// <summary>Full path of the teacher's <c>model.onnx</c>.</summary>
    public string ModelPath => Path.Combine(Directory, ModelContract.ModelFile);

    /// <summary>Full path of the teacher's <c>vocab.txt</c>, which the student shares.</summary>
    public string VocabPath => Path.Combine(Directory, ModelContract.VocabularyFile);

    /// <summary>Labels, tokenizer settings, base model and recorded metrics.</summary>
    public ClassifierModelInfo Info { get; }

    /// <summary>Transformer layers of the teacher's encoder.</summary>
    public int Layers { get; }

    /// <summary>How the teacher's head pools the token states; the student's head pools the same way.</summary>
    public PoolingMode Pooling { get; }

    /// <summary>The trained <c>classifier.weight</c>, <c>[hidden, labels]</c>.</summary>
    public TensorData HeadWeight { get; }

    /// <summary>The trained <c>classifier.bias</c>, <c>[labels]</c>.</summary>
    public TensorData HeadBias { get; }

    /// <summary>Opens and checks a teacher directory; nothing is written.</summary>
    /// <exception cref="UserInputException">It is missing, not an fp32 single-label OrtAgent export, records a max length
    /// longer than its position table (<see cref="ModelContract.ReadInfo"/>) or other vocabulary tokens than its
    /// <c>vocab.txt</c> holds (<see cref="VocabularyFit"/>), or its graph cannot be cut.</exception>
    /// <param name="directory">The teacher's directory.</param>
    /// <param name="option">
    /// The option that named it (<c>Type.Property</c>, <c>TextClassifierDistillationOptions.Teacher</c> when left out): a
    /// path that is no model at all (missing, a file, a run's artifacts) is that option's <see cref="InvalidOptionException"/>.
    /// </param>
    public static TeacherModel Open(string directory, string option = TeacherOption)
    {
        var full = Path.GetFullPath(directory);
        // The folder is looked through once: what it lacks, when it has no model.onnx, comes back from the check.
        if (ModelDirectoryOption.RequireModelDirectory(directory, option, "distil from") is { } missing) throw NoModelFile(directory, option, missing);
        // A FIFO passes File.Exists, and reading it waits for a writer that may never come (one Ctrl+C did not end that wait).
        foreach (var file in new[] { ModelContract.ModelFile, ModelContract.VocabularyFile })
            if (Runtime.RegularFile.OtherKind(Path.Combine(full, file)) is { } kind)
                throw new InvalidOptionException(option, directory, $"its {file} {kind}; a model's {file} is a file");
        try
        {
            // Before the vocabulary and the graph: a newer OrtAgent's model may lack the one or hold a graph this build cannot read.
            ModelFormatProbe.RefuseAnotherFormat(Path.Combine(full, ModelContract.ModelFile));
        }
        catch (ModelLoadException ex)
        {
            throw new UserInputException($"teacher model {ex.Message}", ex);
        }
        if (!File.Exists(Path.Combine(full, ModelContract.VocabularyFile)))
            throw new InvalidOptionException(option, directory, $"no {ModelContract.VocabularyFile} beside {ModelContract.ModelFile}{OtherTokenizerFiles.Describe(full)}");
        var (model, modelDigest) = LoadAndDigest(full, directory);
        if (!model.Metadata.ContainsKey(ModelContract.LabelsKey))
            throw Unusable(option, directory, "it is not an OrtAgent export (no OrtAgent metadata in model.onnx)");
        ClassifierModelInfo info;
        int? positionRows = PositionTable.Rows(Path.Combine(full, ModelContract.ModelFile));
        try
        {
            info = ModelContract.ReadInfoWithTable(full, model.Metadata, positionRows);
        }
        catch (ModelLoadException ex)
        {
            throw new UserInputException($"teacher model {ex.Message}", ex);
        }
        // The student shares this vocabulary and records its tokens as its own: a copy cut short is refused as predict refuses it.
        var vocabulary = VocabularyFit.RequireFile(info, directory, Path.Combine(directory, ModelContract.VocabularyFile));
        if (info.Problem != ModelContract.SingleLabel) throw Unusable(option, directory, $"it is a {info.Problem} model; distillation needs a single-label classifier");
        var g = model.Graph;
        if (g.Initializers.Any(v => v.Initializer!.Type is ElementType.Int8 or ElementType.UInt8))
            throw Unusable(option, directory, "it is int8-quantized; distil from the fp32 export");
        var layers = EncoderLayers.Find(g) ?? throw Unusable(option, directory, "its encoder layers (encoder.layer.N.*) cannot be found");
        var (pooling, _) = FindPooling(g, option, directory);
        var weight = g.Initializers.FirstOrDefault(v => v.Name == ClassifierHead.WeightName)?.Initializer;
        var bias = g.Initializers.FirstOrDefault(v => v.Name == ClassifierHead.BiasName)?.Initializer;
        if (weight is null || bias is null) throw Unusable(option, directory, $"it has no {ClassifierHead.WeightName} and {ClassifierHead.BiasName}");
        return new TeacherModel(option, full, info, vocabulary, modelDigest, positionRows, layers.Count, pooling, weight, bias);
    }

    /// <summary>
    /// What tells this teacher from another wherever it lies, which a distillation records
    /// (<see cref="StudentRecord.TeacherDigest"/>) so that a resumed run knows its teacher moved to another folder: the
    /// SHA-256, in lower-case hex, of the digests of its <c>model.onnx</c> as ONNX Runtime loads it (with any external
    /// data files) and of its <c>vocab.txt</c>, the two files a student is cut from and tokenizes with. Both are of the
    /// bytes <see cref="Open"/> read: nothing is read again.
    /// </summary>
    public string Digest() =>
        ModelDigest.Of(System.Text.Encoding.UTF8.GetBytes($"{_modelDigest}\n{ModelDigest.Of(_vocabulary)}"));

    /// <summary>
    /// Refuses a maximum length asked for a student of this teacher beyond the teacher's position table, which the
    /// student keeps: such a student trains until its first longer text fails inside ONNX Runtime, or trains to the end
    /// and cannot be exported. Called once the teacher is open, before anything is claimed or written.
    /// </summary>
    /// <param name="maxLength">The maximum length asked for; null keeps the teacher's own, which <see cref="Open"/> checked.</param>
    /// <param name="option">The option that asked for it (<c>Type.Property</c>), which the refusal names.</param>
    /// <exception cref="InvalidOptionException">It is longer than the teacher's position table.</exception>
    public void CheckMaxLength(int? maxLength, string option)
    {
        if (maxLength is int asked && _positionRows is int rows && asked > rows)
            throw new InvalidOptionException(option, asked, "is " + PositionTable.LongerThan(rows, ModelPath));
    }

    /// <summary>
    /// Refuses <paramref name="output"/> as the directory a student of this teacher is exported to when it is the
    /// teacher's, or holds it, or is inside it: an export replaces its directory whole, so the first two would delete the
    /// teacher, and the last would leave the student inside the teacher's model. Called before anything is written.
    /// </summary>
    /// <param name="output">The export directory asked for.</param>
    /// <param name="outputWhat">The directory as the caller's user named it (<c>--output DIR</c>), which the refusal names.</param>
    /// <exception cref="UserInputException">It is, holds or is inside the teacher's directory.</exception>
    public void CheckStudentOutput(string output, string outputWhat)
    {
        if (RealPath.Overlap(output, Directory))
            throw new UserInputException(new ValueRefusal(outputWhat, "is the teacher, or a directory holding or held by it; export the student elsewhere"));
    }

    /// <summary>The student's base encoder: this teacher's graph and weights with only <paramref name="keep"/> layers, renumbered.</summary>
    public OnnxModel BuildStudentEncoder(IReadOnlyList<int> keep)
    {
        var model = Load(Directory, Directory);
        var (_, pooler) = FindPooling(model.Graph, _option, Directory);
        return StudentEncoder.Build(model, keep, pooler);
    }

    /// <summary>
    /// Writes the student's base-model directory (<c>model.onnx</c>, <c>vocab.txt</c>) into <paramref name="directory"/>,
    /// which training artifacts then name as their base model.
    /// </summary>
    public void WriteStudentBase(IReadOnlyList<int> keep, string directory) => WriteStudentBase(BuildStudentEncoder(keep), directory);

    /// <summary>Writes <paramref name="student"/>, an encoder <see cref="BuildStudentEncoder"/> cut, as the student's base-model directory.</summary>
    internal void WriteStudentBase(OnnxModel student, string directory) => StudentEncoder.WriteBase(student, _vocabulary, directory);

    /// <summary>As <see cref="WriteStudentBase(OnnxModel, string)"/>, of the student encoder held serialized (<see cref="OnnxModel.ToBytes"/>).</summary>
    internal void WriteStudentBase(byte[] student, string directory) => StudentEncoder.WriteBase(student, _vocabulary, directory);

    /// <summary>
    /// The tokenizer of the teacher, which the student shares: its vocabulary (as <see cref="Open"/> read it) and casing,
    /// cutting texts to <paramref name="maxLength"/> tokens, or to the teacher's own length when null.
    /// </summary>
    /// <exception cref="InvalidOptionException">The vocabulary is empty or lacks one of BERT's special tokens, said as the option's.</exception>
    internal BertTextEncoder CreateEncoder(int? maxLength)
    {
        try
        {
            return BertTextEncoder.Create(_vocabulary, VocabPath, new BertTextEncoderOptions
            {
                LowerCase = Info.LowerCase, StripAccents = Info.StripAccents, IndividuallyTokenizeCjk = Info.IndividuallyTokenizeCjk,
                MaxLength = maxLength ?? Info.MaxLength,
            });
        }
        catch (VocabularyRefusedException ex)
        {
            throw ex.AsOption(_option, Directory);
        }
    }

    /// <summary>The head's pooling; a contrastive model's head, fitted on L2-normalised embeddings, is refused.</summary>
    private static (PoolingMode Mode, Value? Pooler) FindPooling(Graph g, string option, string directory)
    {
        var head = ExportedHead.Find(g, out var whyNot) ?? throw Unusable(option, directory, whyNot);
        if (head.NormalizeEmbeddings) throw Unusable(option, directory, "it was trained contrastively (normalised embeddings); distil a standard fine-tuned model");
        return (head.Pooling, head.PoolerOutput);
    }

    private static OnnxModel Load(string full, string given)
    {
        try
        {
            return OnnxModel.Load(Path.Combine(full, ModelContract.ModelFile));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw Unreadable(given, ex);
        }
    }

    /// <summary>
    /// The teacher's model, and its digest (<see cref="ModelDigest.OfModel(byte[], string)"/>) of the very bytes it was
    /// loaded from, so that <c>model.onnx</c> is read once for both.
    /// </summary>
    private static (OnnxModel Model, string Digest) LoadAndDigest(string full, string given)
    {
        var path = Path.Combine(full, ModelContract.ModelFile);
        try
        {
            var bytes = File.ReadAllBytes(path);
            // OnnxModel reads the weights of external data files: a FIFO among them would hold it, waiting for a writer.
            using (var model = new MemoryStream(bytes, writable: false))
                ExternalDataFiles.RequireRegularFiles(path, ExternalDataFiles.Of(model));
            return (OnnxModel.Load(bytes, path), ModelDigest.OfModel(bytes, path));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw Unreadable(given, ex);
        }
    }

    private static UserInputException Unreadable(string given, Exception ex) =>
        new($"teacher model '{given}': {ModelContract.ModelFile} is not a readable ONNX model ({ex.Message.ReplaceLineEndings(" ").Trim()})", ex);

    /// <summary>
    /// The refusal of a teacher directory without a <c>model.onnx</c>, which is not a run's artifacts (those
    /// <see cref="ModelDirectoryOption"/> refused), from what that check found (<paramref name="missing"/>): the option's,
    /// in the words of every other reader of a model. An adapter keeps its own refusal, from which a host builds its way
    /// to a model.
    /// </summary>
    private static UserInputException NoModelFile(string directory, string option, ModelLoadException missing) => missing switch
    {
        LoraAdapterNotAModelException adapter => adapter,
        _ => new InvalidOptionException(option, directory, missing.Refusal?.Problem ?? missing.Message, missing),
    };

    /// <summary>
    /// The refusal of a model that is no distillable classifier (a base encoder, an int8, contrastive or multi-label
    /// model): the <paramref name="option"/>'s, as every other refusal of what the option names.
    /// </summary>
    private static InvalidOptionException Unusable(string option, string directory, string why) => new(option, directory, $"cannot be distilled: {why}");
}
