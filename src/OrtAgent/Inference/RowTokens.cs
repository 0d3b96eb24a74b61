using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Inference;

/// <summary>
/// The check, once the model is loaded, that a data file's row gives its tokenizer something to read. Reading the file
/// refused what every vocabulary drops (<see cref="NothingToClassify.Describe(string)"/>); an uncased vocabulary also
/// drops accents, so a row of a lone combining mark is known to be empty only now, and is refused naming its line as
/// the reader would have, rather than by the classifier, which knows only its place in a batch.
/// </summary>
internal static class RowTokens
{
    /// <exception cref="UserInputException">The model's tokenizer makes no token of <paramref name="text"/>.</exception>
    public static void Require(BertTextEncoder encoder, string text, string path, long line, string column)
    {
        if (NothingToClassify.Describe(text, encoder) is { } held)
            throw new UserInputException($"{path} line {line}: text has nothing to classify (column '{column}'): {held}");
    }
}
