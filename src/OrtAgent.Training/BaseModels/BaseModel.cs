using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Training.BaseModels;

/// <summary>
/// A validated base-model directory: a BERT encoder <c>model.onnx</c> with its WordPiece <c>vocab.txt</c>, plus
/// <c>descriptor.json</c> when the model was pulled from a package. Open one with <see cref="Open"/>; the instance owns
/// the loaded graph, which training extends with a classification head.
/// </summary>
public sealed class BaseModel
{
    private static readonly string[] RequiredInputs = [ModelContract.InputIds, ModelContract.AttentionMask];
    private const string OptionalInput = ModelContract.TokenTypeIds;

    private BaseModel(string directory, OnnxModel model, BaseModelArchitecture architecture, BaseModelDescriptor? descriptor)
    {
        Directory = directory;
        Model = model;
        Architecture = architecture;
        Descriptor = descriptor;
    }

    /// <summary>Full path of the directory.</summary>
    public string Directory { get; }

    /// <summary>Full path of <c>model.onnx</c>.</summary>
    public string ModelPath => Path.Combine(Directory, ModelContract.ModelFile);

    /// <summary>Full path of <c>vocab.txt</c>.</summary>
    public string VocabPath => Path.Combine(Directory, ModelContract.VocabularyFile);

    /// <summary>The loaded encoder graph.</summary>
    public OnnxModel Model { get; }

    /// <summary>Facts inspected from the graph and vocabulary.</summary>
    public BaseModelArchitecture Architecture { get; }

    /// <summary>The directory's <c>descriptor.json</c> (provenance and checksums), or null when it has none.</summary>
    public BaseModelDescriptor? Descriptor { get; }

    /// <summary>
    /// Validates a base-model directory and inspects its architecture. Checks, in order: the directory exists; it holds
    /// <c>model.onnx</c> and <c>vocab.txt</c>; the model loads; it has int64 inputs <c>input_ids</c> and
    /// <c>attention_mask</c> (and, if present, <c>token_type_ids</c>); it has an output <c>last_hidden_state</c>; its ONNX
    /// opset is one training can raise to its own (11 or later).
    /// </summary>
    /// <exception cref="UserInputException">Any check failed; the message names the directory and what is missing.</exception>
    public static BaseModel Open(string directory)
    {
        var fullPath = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(fullPath))
            throw new UserInputException($"base model directory '{fullPath}' does not exist");
        var modelPath = Path.Combine(fullPath, ModelContract.ModelFile);
        var vocabPath = Path.Combine(fullPath, ModelContract.VocabularyFile);
        foreach (var (path, what) in new[] { (modelPath, "the encoder graph"), (vocabPath, "the WordPiece vocabulary, one token per line") })
        {
            // Before File.Exists, which a directory fails ("has no vocab.txt") and a FIFO passes, to hang the read below.
            if (Runtime.RegularFile.OtherKind(path) is { } kind)
                throw new UserInputException($"base model directory '{fullPath}': its {Path.GetFileName(path)} {kind}; it must be a file ({what})");
            if (!File.Exists(path))
                throw new UserInputException($"base model directory '{fullPath}' has no {Path.GetFileName(path)} ({what})");
        }

        OnnxModel model;
        try
        {
            model = OnnxModel.Load(modelPath);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"base model directory '{fullPath}': {ModelContract.ModelFile} is not a readable ONNX model ({OneLine(ex.Message)})", ex);
        }

        CheckSignature(model.Graph, fullPath);
        TrainingGraphBuilder.RequireUpgradableOpset(model.Graph, modelPath);
        var architecture = BaseModelInspector.Inspect(model, ReadVocabulary(vocabPath), modelPath);
        var descriptorPath = Path.Combine(fullPath, BaseModelDescriptor.FileName);
        var descriptor = File.Exists(descriptorPath) ? BaseModelDescriptor.Load(descriptorPath) : null;
        return new BaseModel(fullPath, model, architecture, descriptor);
    }

    /// <summary>Reads <c>vocab.txt</c>: one token per line, the line number being the token id.</summary>
    public static IEnumerable<string> ReadVocabulary(string vocabPath) =>
        File.ReadLines(vocabPath).Select(line => line.TrimEnd('\r'));

    /// <summary>As <see cref="ReadVocabulary(string)"/>, of a <c>vocab.txt</c>'s bytes read already.</summary>
    internal static IEnumerable<string> ReadVocabulary(byte[] vocabulary)
    {
        // The same decoding as File.ReadLines: UTF-8 unless a byte-order mark says otherwise.
        using var reader = new StreamReader(new MemoryStream(vocabulary, writable: false));
        while (reader.ReadLine() is { } line) yield return line.TrimEnd('\r');
    }

    /// <summary>
    /// The tokenizer a run on the base whose <c>vocab.txt</c> holds <paramref name="vocabulary"/> reads text with,
    /// lower-cased as <see cref="Open"/> finds that vocabulary (<see cref="BaseModelArchitecture.LowerCase"/>), made
    /// without loading the encoder graph: for checks of a run's data before the run (the fine-tuning service's, when a
    /// job is created), which need the tokenizer and not the encoder's hundreds of megabytes.
    /// </summary>
    /// <param name="vocabulary">The bytes of the base's <c>vocab.txt</c>.</param>
    /// <param name="vocabPath">Where they were read from, which a refusal names.</param>
    /// <exception cref="InvalidDataException">The vocabulary is empty or lacks one of BERT's special tokens.</exception>
    internal static BertTextEncoder CreateTextEncoder(byte[] vocabulary, string vocabPath)
    {
        try
        {
            return BertTextEncoder.Create(vocabulary, vocabPath, new BertTextEncoderOptions { LowerCase = BaseModelInspector.IsLowerCaseVocabulary(ReadVocabulary(vocabulary)) });
        }
        catch (VocabularyRefusedException ex)
        {
            throw ex.AsDataError();
        }
    }

    /// <summary>
    /// The tokenizer a run on this base reads text with, from its <c>vocab.txt</c>; a vocabulary the tokenizer refuses is
    /// the refusal of <paramref name="option"/> (the option or flag that chose this base), given as <paramref name="value"/>.
    /// </summary>
    /// <param name="options">How the run reads text.</param>
    /// <param name="option">The option or flag that chose this base, named in a refusal.</param>
    /// <param name="value">Its value, as the refusal gives it.</param>
    /// <param name="expected">Where the run continues trained weights (a resumed run, a model given to start from), the
    /// SHA-256 of the tokens they were trained with and what records it: the run tokenizes with this base's file, so any
    /// other vocabulary would feed those weights other ids.</param>
    /// <exception cref="InvalidOptionException">The vocabulary is empty or lacks one of BERT's special tokens.</exception>
    /// <exception cref="BaseModelMismatchException">The vocabulary is not the one <paramref name="expected"/> records.</exception>
    internal BertTextEncoder CreateRunTextEncoder(BertTextEncoderOptions options, string option, object? value, RecordedVocabulary? expected = null)
    {
        var vocabulary = File.ReadAllBytes(VocabPath);
        if (expected is { } recorded && VocabularyFit.DigestOf(vocabulary) != recorded.Sha256)
            throw new BaseModelMismatchException(option, value, $"{VocabPath} is not the vocabulary {recorded.RecordedBy} was trained with: its tokens are not the ones, "
                + $"in the order, whose SHA-256 {recorded.RecordedBy} records, so the run would read every text through other ids", BaseModelMismatchException.GiveTheTrainedBase);
        try
        {
            return BertTextEncoder.Create(vocabulary, VocabPath, options);
        }
        catch (VocabularyRefusedException ex)
        {
            throw ex.AsOption(option, value);
        }
    }

    private static void CheckSignature(Graph graph, string directory)
    {
        var inputs = graph.Inputs.ToDictionary(v => v.Name, StringComparer.Ordinal);
        var listed = string.Join(", ", graph.Inputs.Select(v => $"{v.Name} ({v.Type})"));
        foreach (var name in RequiredInputs.Append(OptionalInput))
        {
            if (!inputs.TryGetValue(name, out var input))
            {
                if (name == OptionalInput) continue;
                throw new UserInputException(
                    $"base model directory '{directory}': {ModelContract.ModelFile} has no input '{name}' (int64 [batch, sequence]); its inputs are: {(listed.Length == 0 ? "none" : listed)}");
            }
            if (input.Type != ElementType.Int64)
                throw new UserInputException(
                    $"base model directory '{directory}': input '{name}' of {ModelContract.ModelFile} is {input.Type}, expected Int64");
        }
        if (!graph.Outputs.Any(v => v.Name == ModelContract.LastHiddenState))
        {
            // An exported classifier given as the base is the likely mistake: say where a fine-tuned model goes instead.
            var classifier = graph.Outputs.Any(v => v.Name == ModelContract.Logits)
                ? $" (a fine-tuned classifier, not a base model: to train on from it, give it as {InvalidOptionException.Name<TextClassifiers.TextClassifierTrainingOptions>(nameof(TextClassifiers.TextClassifierTrainingOptions.InitFrom))})"
                : "";
            throw new UserInputException(
                $"base model directory '{directory}': {ModelContract.ModelFile} has no output '{ModelContract.LastHiddenState}'; its outputs are: {string.Join(", ", graph.Outputs.Select(v => v.Name))}{classifier}");
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
}
