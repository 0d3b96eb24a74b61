using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Data;

/// <summary>The checks every format applies to a row's values, so all formats word their errors alike.</summary>
internal static class ExampleValidation
{
    /// <summary>
    /// Makes an example, or throws naming the file, line and column when the text or label is empty. Without a
    /// <paramref name="labelColumn"/> (reading text only) the label is not checked and the example's label is empty.
    /// A <paramref name="group"/> may be blank (one more group, reported as such); <see langword="null"/> means none is read.
    /// </summary>
    internal static LabeledText Create(
        string? text, string? label, long line, string path, string textColumn, string? labelColumn, string? group = null)
    {
        group = group?.Trim();
        // Only a text with nothing in it is "empty". One of spaces or of a no-break space is said as what it holds, as one
        // of zero-width spaces is (NothingToClassify): "empty" sent users looking for an empty field the file does not have.
        if (string.IsNullOrEmpty(text))
        {
            throw new UserInputException($"{path} line {line}: text is empty (column '{textColumn}')");
        }
        if (NothingToClassify.Describe(text) is { } held)
        {
            throw NothingToClassifyAt(path, line, textColumn, held);
        }
        if (labelColumn is null)
        {
            return new LabeledText(text, "", line, group);
        }
        // Labels are names, and "positive " from a hand-edited file means "positive".
        string trimmedLabel = label?.Trim() ?? "";
        if (trimmedLabel.Length == 0)
        {
            throw new UserInputException($"{path} line {line}: label is empty (column '{labelColumn}')");
        }
        // A label is a name that predictions, reports and the model card print on one line; a line break or tab in it is
        // nearly always a quote gone astray in the file.
        if (trimmedLabel.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029'))
        {
            throw new UserInputException(
                $"{path} line {line}: label {PrintableText.Quote(trimmedLabel)} (column '{labelColumn}') holds a line break, tab or other control character; labels are names printed on one line");
        }
        return new LabeledText(text, trimmedLabel, line, group);
    }

    /// <summary>
    /// The check, once the model's tokenizer is known, that a row gives it something to read. <see cref="Create"/>
    /// refused what every vocabulary drops; an uncased vocabulary also drops accents, so a row of a lone combining mark
    /// is known to be empty only now, and is refused naming its line as reading would have.
    /// </summary>
    /// <exception cref="UserInputException">The tokenizer makes no token of <paramref name="text"/>.</exception>
    internal static void RequireTokens(BertTextEncoder encoder, string text, string path, long line, string textColumn)
    {
        if (NothingToClassify.Describe(text, encoder) is { } held) throw NothingToClassifyAt(path, line, textColumn, held);
    }

    private static UserInputException NothingToClassifyAt(string path, long line, string textColumn, string held) =>
        new($"{path} line {line}: text has nothing to classify (column '{textColumn}'): {held}");
}
