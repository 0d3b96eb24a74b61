using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Data;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// The examples <see cref="TextClassifierTrainer"/> is given in memory, taken as the command line takes a data file's
/// rows: their texts and labels checked by the same rules, the validation part held out by the same stratified, seeded
/// split, and tokenized for the run. Both the facade's entries, training and distillation, read their data here.
/// </summary>
internal static class InMemoryExamples
{
    /// <summary>The training examples as messages name them.</summary>
    public const string TrainingSource = "the training data";

    /// <summary>The validation examples as messages name them.</summary>
    public const string ValidationSource = "the validation data";

    /// <summary>The model's labels: <paramref name="given"/>, or the training data's, numbered as the command line numbers them.</summary>
    /// <param name="training">The training examples.</param>
    /// <param name="given">The labels the caller named (<see cref="TextClassifierTrainingOptions.Labels"/>), or null to take the data's.</param>
    /// <exception cref="UserInputException">An example is empty, the data has fewer than two labels, or it does not match the labels given.</exception>
    public static IReadOnlyList<string> Labels(IReadOnlyList<LabeledExample> training, IReadOnlyList<string>? given)
    {
        Check(training, "training example");
        var found = LabelSet.Create(training.Select(e => e.Label), TrainingSource);
        if (given is null) return found;
        string names = PrintableText.QuoteAll(given);
        if (found.FirstOrDefault(label => !given.Contains(label, StringComparer.Ordinal)) is { } extra)
            throw new UserInputException($"{TrainingSource}: label {PrintableText.Quote(extra)} is not one of the labels given ({names}){LabelSet.CaseHint(extra, given)}");
        if (given.FirstOrDefault(label => !found.TryGetIndex(label, out _)) is { } missing)
            throw new UserInputException($"{TrainingSource}: label {PrintableText.Quote(missing)} has no training examples; a class needs examples to be learnt (labels given: {names})");
        return given.ToArray();
    }

    /// <summary>
    /// Checks every example's text and label. A label is a name, as the command line reads it from a file: trimmed, and
    /// on one line. The command line trims what it reads; in memory the label is the caller's own string, which the
    /// model would give back, so one with spaces around it is refused rather than trimmed ("praise " would otherwise be a
    /// class apart from "praise", or come back as a name the caller never used).
    /// </summary>
    /// <exception cref="UserInputException">A text is missing, empty or has nothing to classify (only whitespace, say), a label is missing or blank, or a label has spaces around it or a line break, tab or other control character.</exception>
    public static void Check(IReadOnlyList<LabeledExample> examples, string what)
    {
        for (int i = 0; i < examples.Count; i++)
        {
            // A null is the caller's code at fault, not a blank line of data: said as what it is, to be looked for there.
            // Only "" is "empty": a text of spaces is said as what it holds (NothingToClassify), as the data files' readers say it.
            if (string.IsNullOrEmpty(examples[i].Text)) throw new UserInputException($"{what} {i + 1}: the text is {(examples[i].Text is null ? "null" : "empty")}");
            if (NothingToClassify.Describe(examples[i].Text) is { } held) throw NothingIn(what, i, held);
            string label = examples[i].Label;
            if (string.IsNullOrWhiteSpace(label)) throw new UserInputException($"{what} {i + 1}: the label is {(label is null ? "null" : "empty")}");
            if (LabelProblem(label) is { } problem) throw new UserInputException($"{what} {i + 1}: label {PrintableText.Quote(label)} {problem}");
        }
    }

    /// <summary>What is wrong with a label name, as the command line's data rules have it; null when nothing is.</summary>
    public static string? LabelProblem(string label) =>
        label.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029')
            ? "holds a line break, tab or other control character; labels are names printed on one line"
            : label.Trim().Length != label.Length
            ? $"has spaces around it; labels are names, compared exactly: give {PrintableText.Quote(label.Trim())}"
            : null;

    /// <exception cref="UserInputException">The validation data is empty, or an example is blank or has a label not among <paramref name="labels"/>.</exception>
    public static void CheckValidation(IReadOnlyList<LabeledExample> validation, IReadOnlyList<string> labels, string whose)
    {
        if (validation.Count == 0)
            throw new UserInputException($"{ValidationSource} has no examples; pass null to hold out part of the training data instead");
        CheckLabelled(validation, "validation example", labels, whose);
    }

    /// <summary>Checks every example's text and label (<see cref="Check"/>), and that its label is one of <paramref name="labels"/>.</summary>
    /// <param name="examples">The examples.</param>
    /// <param name="what">An example as messages name it, before its number: <c>validation example</c>.</param>
    /// <param name="labels">The labels the run has.</param>
    /// <param name="whose">Whose labels those are, as messages name them: <c>the training labels</c>.</param>
    /// <exception cref="UserInputException">An example is blank, or its label is not one of <paramref name="labels"/>.</exception>
    public static void CheckLabelled(IReadOnlyList<LabeledExample> examples, string what, IReadOnlyList<string> labels, string whose)
    {
        Check(examples, what);
        for (int i = 0; i < examples.Count; i++)
            if (!labels.Contains(examples[i].Label, StringComparer.Ordinal))
                throw new UserInputException($"{what} {i + 1}: label {PrintableText.Quote(examples[i].Label)} is not one of {whose} " +
                    $"{PrintableText.QuoteAll(labels)}{LabelSet.CaseHint(examples[i].Label, labels)}");
    }

    /// <summary>
    /// The examples the run trains and validates on, holding the validation part out of the training data when none is
    /// given, and their digest (<see cref="DataDigest"/>, over each example's text and label).
    /// </summary>
    /// <exception cref="UserInputException">The training data is too small to hold any example out.</exception>
    public static (IReadOnlyList<LabeledExample> Training, IReadOnlyList<LabeledExample> Validation, DataDigest Digest) Split(
        IReadOnlyList<LabeledExample> training, IReadOnlyList<LabeledExample>? validation, double fraction, int seed)
    {
        double? heldOut = validation is null ? fraction : null;
        if (validation is null) (training, validation) = HoldOut(training, fraction, seed);
        return (training, validation, new DataDigest(ExampleDigest.Of(training), training.Count, ExampleDigest.Of(validation), validation.Count, heldOut));
    }

    /// <summary>
    /// The command line's stratified, seeded split (<see cref="StratifiedSplit"/>) of in-memory examples: each label
    /// keeps its share <paramref name="fraction"/> of its examples for validation, chosen by <paramref name="seed"/>;
    /// both parts keep the examples' order.
    /// </summary>
    /// <exception cref="UserInputException">Every label has a single example, so none can be held out.</exception>
    public static (IReadOnlyList<LabeledExample> Training, IReadOnlyList<LabeledExample> Validation) HoldOut(
        IReadOnlyList<LabeledExample> examples, double fraction, int seed)
    {
        // The split tells a label's examples apart by their order among that label's; line numbers stand for positions.
        var numbered = examples.Select((e, i) => new LabeledText(e.Text, e.Label, i + 1)).ToArray();
        var split = StratifiedSplit.Create(numbered, TrainingSource, new StratifiedSplitOptions { ValidationFraction = fraction, Seed = seed });
        static LabeledExample[] Plain(IEnumerable<LabeledText> part) => part.Select(e => new LabeledExample(e.Text, e.Label)).ToArray();
        return (Plain(split.Training), Plain(split.Validation));
    }

    /// <summary>
    /// Checks, once the run's tokenizer is known, that it makes a token of every example: an uncased vocabulary also drops
    /// accents, so a text of a lone combining mark passes <see cref="Check"/> and would train as [CLS] [SEP] alone.
    /// </summary>
    /// <param name="training">The training examples.</param>
    /// <param name="validation">The validation examples; null when they are held out of <paramref name="training"/>.</param>
    /// <param name="encoder">The run's tokenizer.</param>
    /// <exception cref="UserInputException">The tokenizer makes no token of an example's text; the message names it.</exception>
    public static void CheckTokens(IReadOnlyList<LabeledExample> training, IReadOnlyList<LabeledExample>? validation, BertTextEncoder encoder)
    {
        CheckTokens(training, "training example", encoder);
        if (validation is not null) CheckTokens(validation, "validation example", encoder);
    }

    private static void CheckTokens(IReadOnlyList<LabeledExample> examples, string what, BertTextEncoder encoder)
    {
        for (int i = 0; i < examples.Count; i++)
            if (NothingToClassify.Describe(examples[i].Text, encoder) is { } held) throw NothingIn(what, i, held);
    }

    private static UserInputException NothingIn(string what, int index, string held) => new($"{what} {index + 1}: the text has nothing to classify: {held}");

    /// <summary>The examples tokenized by <paramref name="encoder"/>, each label given as its index in <paramref name="labels"/>.</summary>
    public static TokenizedDataset Tokenize(IReadOnlyList<LabeledExample> examples, IReadOnlyList<string> labels, BertTextEncoder encoder,
        CancellationToken cancellationToken)
    {
        var index = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        return TokenizedDataset.Build(examples.Select(e => (e.Text, index[e.Label])), encoder, cancellationToken);
    }
}
