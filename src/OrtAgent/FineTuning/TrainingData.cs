using OrtAgent.Data;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Data;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>The labelled, tokenized training and validation sets of a run, and where they came from.</summary>
public sealed record TrainingData(LabelSet Labels, TokenizedDataset Training, TokenizedDataset Validation, string Source, string ValidationSource)
{
    /// <summary>How the data's own validation examples are given, for the refusal of data too small to hold some out.</summary>
    internal static readonly string SeparateValidation = $"{InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.ValidationPath))} FILE";

    /// <summary>
    /// The validation examples as text, in <see cref="Validation"/>'s order, when <see cref="Load"/> was asked to keep them
    /// (<c>--promote-to</c> scores two models on them, each with its own tokenizer); otherwise null.
    /// </summary>
    public IReadOnlyList<LabeledExample>? ValidationExamples { get; init; }

    /// <summary>What identifies the examples read, which the run records and a resumed run must match (<see cref="ResumedRunCheck.CheckData{TOptions}"/>).</summary>
    public required DataDigest Digest { get; init; }

    /// <summary>The blank lines of the CSV or TSV files read (training and validation) that were skipped.</summary>
    public long SkippedBlankLines { get; init; }

    /// <summary>
    /// Reads <paramref name="dataPath"/> (streaming, so large files are never held as text) and either
    /// <paramref name="validationPath"/> or a seeded stratified 10% split of the training file, and tokenizes both. What
    /// <see cref="CheckFiles"/> read of the same files (<c>checkedFiles</c>) is taken rather than read again.
    /// </summary>
    /// <exception cref="UserInputException">A file, column, row or label is wrong; the message names it.</exception>
    public static TrainingData Load(string dataPath, string? validationPath, LabeledTextFileOptions columns, BertTextEncoder encoder,
        int seed, (IReadOnlyList<string> Labels, string Of)? requiredLabels, CancellationToken cancellationToken, bool keepValidationTexts = false,
        CheckedDataFiles? checkedFiles = null)
    {
        // A resumed run may read other files than those named, or split with its recorded seed: then it reads afresh.
        if (checkedFiles is not null && !checkedFiles.Of(dataPath, validationPath, columns)) checkedFiles = null;
        var file = checkedFiles?.Training ?? LabeledTextFile.Open(dataPath, columns);
        using ExampleDigest trainingDigest = new(), validationDigest = new();
        if (validationPath is null)
        {
            var splitOptions = SplitOptions(seed);
            var split = checkedFiles is { Split: { } checkedSplit } && checkedFiles.SplitSeed == seed ? checkedSplit : StratifiedSplit.Create(file, splitOptions);
            var labels = Check(split.Labels, requiredLabels, file.Path);
            var heldOut = Kept(split.Validation, keepValidationTexts);
            return new TrainingData(labels,
                Tokenize(split.Training, labels, file.Path, file.TextColumn, encoder, trainingDigest, cancellationToken),
                Tokenize(heldOut, labels, file.Path, file.TextColumn, encoder, validationDigest, cancellationToken),
                file.Path, ClassifierTrainingCard.HeldOut(split.ValidationCount, ModelCardText.NameOf(file.Path), seed))
            {
                ValidationExamples = Texts(heldOut, keepValidationTexts),
                Digest = DigestOf(trainingDigest, validationDigest, splitOptions.ValidationFraction),
                SkippedBlankLines = file.SkippedBlankLines,
            };
        }
        RefuseValidationOnTrainingData(file.Path, validationPath);
        var trainingLabels = Check(checkedFiles?.Labels ?? LabelSet.FromFile(file), requiredLabels, file.Path);
        var validation = LabeledTextFile.Open(validationPath, columns);
        var validationExamples = Kept(validation, keepValidationTexts);
        var validationSet = Tokenize(validationExamples, trainingLabels, validation.Path, validation.TextColumn, encoder, validationDigest, cancellationToken);
        if (validationSet.Count == 0) throw new UserInputException($"{validation.Path}: has no examples");
        var trainingSet = Tokenize(file, trainingLabels, file.Path, file.TextColumn, encoder, trainingDigest, cancellationToken);
        return new TrainingData(trainingLabels, trainingSet, validationSet, file.Path, validation.Path)
        {
            ValidationExamples = Texts(validationExamples, keepValidationTexts),
            Digest = DigestOf(trainingDigest, validationDigest, heldOutFraction: null),
            SkippedBlankLines = file.SkippedBlankLines + validation.SkippedBlankLines,
        };
    }

    /// <summary>
    /// Checks the data files a command names, so that a missing or unreadable file, a column its header lacks, validation
    /// on the training data itself, and the rows' own mistakes that need no tokenizer (a malformed row, an empty label, no
    /// rows, one label) are named before a resumed run claims its artifacts or a new run extracts its packaged base: those
    /// are the command's own mistakes, to be told first, in the words <see cref="Load"/> would give, even while another run
    /// holds the artifacts (a header-only file was refused after minilm's 90 MB were extracted into the models root).
    /// The training file is read through once, for its split or labels, which <see cref="Load"/> then takes; the
    /// validation file up to its first row.
    /// </summary>
    /// <param name="dataPath">The training file, or null where the run reads one it records.</param>
    /// <param name="validationPath">The validation file, or null.</param>
    /// <param name="columns">The columns asked for.</param>
    /// <param name="seed">The seed the run splits the training file with, when no validation file is given.</param>
    /// <returns>What was read of the training file, for <see cref="Load"/>; null when no training file is named.</returns>
    /// <exception cref="UserInputException">A file, column, row or label is wrong, or the two files are one; the message names it.</exception>
    public static CheckedDataFiles? CheckFiles(string? dataPath, string? validationPath, LabeledTextFileOptions columns, int seed)
    {
        var file = dataPath is null ? null : LabeledTextFile.Open(dataPath, columns);
        if (validationPath is not null)
        {
            if (dataPath is not null) RefuseValidationOnTrainingData(dataPath, validationPath);
            var validation = LabeledTextFile.Open(validationPath, columns);
            // As Load refuses it once read; the first row's own mistake is found on the way.
            if (file is not null && !validation.Any()) throw new UserInputException($"{validation.Path}: has no examples");
        }
        if (file is null) return null;
        return validationPath is null
            ? new CheckedDataFiles(file, columns, null, StratifiedSplit.Create(file, SplitOptions(seed)), seed, Labels: null)
            : new CheckedDataFiles(file, columns, validationPath, Split: null, seed, LabelSet.FromFile(file));
    }

    private static StratifiedSplitOptions SplitOptions(int seed) => new() { Seed = seed, SeparateValidation = SeparateValidation };

    // Evaluated on its own training texts, every run looks perfect: early stopping, the kept model and the contrastive
    // head's C would all be chosen on what the model has memorised.
    private static void RefuseValidationOnTrainingData(string dataPath, string validationPath)
    {
        if (UnixFileStatus.SameFile(dataPath, validationPath))
            throw new UserInputException($"--validation {validationPath}: is the training data itself, so the model would be chosen on texts it trained on; leave --validation out to hold out 10% of the data");
    }

    // Validation is read once: kept as a list when its texts are wanted afterwards, streamed otherwise.
    private static IEnumerable<LabeledText> Kept(IEnumerable<LabeledText> examples, bool keep) => keep ? examples.ToList() : examples;

    private static IReadOnlyList<LabeledExample>? Texts(IEnumerable<LabeledText> kept, bool keep) =>
        keep ? kept.Select(e => new LabeledExample(e.Text, e.Label)).ToArray() : null;

    /// <summary>
    /// What a run prints after reading its data: the two sets' sizes and each label's examples in both, such as
    /// <c>72 training and 8 validation examples; labels (training/validation): negative 36/4, positive 36/4</c>.
    /// </summary>
    public string Summary()
    {
        int[] training = ExamplesPerLabel(Training), validation = ExamplesPerLabel(Validation);
        // "1 training and 1 validation examples" counted them wrong; the short form is kept where both are plural.
        string sizes = Training.Count == 1 || Validation.Count == 1
            ? $"{Training.Count} training {(Training.Count == 1 ? "example" : "examples")} and {Validation.Count} validation {(Validation.Count == 1 ? "example" : "examples")}"
            : $"{Training.Count} training and {Validation.Count} validation examples";
        return $"{sizes}; labels (training/validation): " +
            string.Join(", ", Labels.Select((label, i) => $"{PrintableText.Escape(label)} {training[i]}/{validation[i]}"));
    }

    /// <summary>
    /// How many blank lines of the data files were skipped (<c>2 blank lines were skipped</c>); null when none was. They
    /// were skipped without a word, so a file seemed to lose rows.
    /// </summary>
    public string? BlankLinesNotice() => SkippedBlankLines switch
    {
        0 => null,
        1 => "1 blank line of the data was skipped",
        long n => $"{n} blank lines of the data were skipped",
    };

    /// <summary>
    /// How many texts are longer than <paramref name="maxLength"/> tokens and cut to it, which the model then learns from
    /// their beginnings only (<c>3 of 72 training texts and 1 of 8 validation texts are longer than 32 tokens
    /// (--max-length) and are cut to their first 32</c>); null when none is. <c>predict</c> and <c>eval</c> said so of
    /// the texts they classify, while a run said nothing of the texts it trained on.
    /// </summary>
    public string? CutNotice(int maxLength)
    {
        var parts = new List<string>();
        if (Training.CutExamples > 0) parts.Add(Of(Training, "training"));
        if (Validation.CutExamples > 0) parts.Add(Of(Validation, "validation"));
        if (parts.Count == 0) return null;
        bool one = parts.Count == 1 && (Training.CutExamples + Validation.CutExamples) == 1;
        return $"{string.Join(" and ", parts)} {(one ? "is" : "are")} longer than {maxLength} tokens (--max-length) and {(one ? "is cut to its" : "are cut to their")} first {maxLength}";

        static string Of(TokenizedDataset set, string part) => $"{set.CutExamples} of {set.Count} {part} {(set.Count == 1 ? "text" : "texts")}";
    }

    /// <summary>
    /// What in the data makes the run's figures mislead: a label no validation example has (trained, never checked; with
    /// one or two examples often a typo such as "postive" that became a class of its own); validation examples that also
    /// occur in the training set (a corpus with duplicates, split), which flatter validation; and texts the training
    /// set gives more than one label. Texts are compared as the model sees them, tokenized and cut to the maximum length.
    /// </summary>
    public IEnumerable<string> Warnings()
    {
        int[] training = ExamplesPerLabel(Training), validation = ExamplesPerLabel(Validation);
        for (int i = 0; i < Labels.Count; i++)
        {
            if (validation[i] > 0) continue;
            yield return $"warning: label {PrintableText.Quote(Labels[i])} has no validation example ({training[i]} to train on), so nothing checks it" +
                (training[i] <= 2 ? $"; if it is a typo of another label, correct it in {Source}" : "");
        }

        var labelsByText = new Dictionary<long, int>();   // a text's label, or -1 once it has had two
        for (int i = 0; i < Training.Count; i++)
        {
            long text = TextKey(Training.Tokens(i));
            int label = Training.Label(i);
            if (!labelsByText.TryAdd(text, label) && labelsByText[text] != label) labelsByText[text] = -1;
        }
        int conflicting = labelsByText.Values.Count(label => label < 0);
        if (conflicting > 0)
            yield return $"warning: {conflicting} {(conflicting == 1 ? "text occurs" : "texts occur")} in {Source} with more than one label; the model can learn only one of them";
        int seen = Enumerable.Range(0, Validation.Count).Count(i => labelsByText.ContainsKey(TextKey(Validation.Tokens(i))));
        if (seen > 0)
            yield return $"warning: {(Validation.Count == 1 ? "the only validation example also occurs" : $"{seen} of the {Validation.Count} validation examples also {(seen == 1 ? "occurs" : "occur")}")} in the training set, so validation overstates accuracy on new texts";
    }

    /// <summary>How many different texts the training part holds, compared as the model sees them (tokenized and cut).</summary>
    public int DistinctTrainingTexts()
    {
        var texts = new HashSet<long>();
        for (int i = 0; i < Training.Count; i++) texts.Add(TextKey(Training.Tokens(i)));
        return texts.Count;
    }

    // Two 32-bit hashes of the token ids: a 64-bit key, whose chance collisions are negligible at any data size trained here.
    private static long TextKey(ReadOnlySpan<int> tokens)
    {
        var first = new HashCode();
        var second = new HashCode();
        second.Add(tokens.Length);
        foreach (int token in tokens)
        {
            first.Add(token);
            second.Add(token);
        }
        return ((long)first.ToHashCode() << 32) | (uint)second.ToHashCode();
    }

    /// <summary>How many examples of <paramref name="set"/> (<see cref="Training"/> or <see cref="Validation"/>) each label has, by label index.</summary>
    public int[] ExamplesPerLabel(TokenizedDataset set) => set.ExamplesPerLabel(Labels.Count);

    // Each example is digested as it streams past, so the file is read no more often than tokenizing reads it. Reading
    // refused what every vocabulary drops; an uncased one also drops accents, known only with the tokenizer.
    private static TokenizedDataset Tokenize(IEnumerable<LabeledText> examples, LabelSet labels, string path, string textColumn,
        BertTextEncoder encoder, ExampleDigest digest, CancellationToken cancellationToken) =>
        TokenizedDataset.Build(examples.Select(e =>
        {
            ExampleValidation.RequireTokens(encoder, e.Text, path, e.Line, textColumn);
            digest.Add(e.Text, e.Label);
            return (e.Text, labels.IndexOf(e, path));
        }), encoder, cancellationToken);

    private static DataDigest DigestOf(ExampleDigest training, ExampleDigest validation, double? heldOutFraction) =>
        new(training.Hex(), training.Count, validation.Hex(), validation.Count, heldOutFraction);

    /// <summary>
    /// When continuing from a model, a run or a teacher (<c>--init-from</c>, <c>--resume</c>, <c>--teacher</c>) the data
    /// must carry the same labels, which are then numbered in that one's order: its head's rows are its labels in that
    /// order, whatever order sorting the data's would give (a model made with <c>Labels</c> or <c>artifacts --labels</c>
    /// in another order was refused for data with exactly its labels).
    /// </summary>
    private static LabelSet Check(LabelSet found, (IReadOnlyList<string> Labels, string Of)? required, string path)
    {
        if (required is not var (labels, of)) return found;
        return found.InOrderOf(labels)
            ?? throw new UserInputException($"{path}: labels {PrintableText.QuoteAll(found)} differ from {of}'s {PrintableText.QuoteAll(labels)}");
    }
}
