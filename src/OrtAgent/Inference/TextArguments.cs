using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Inference;

/// <summary>Checks of texts given on the command line, shared by the commands that classify or explain them.</summary>
internal static class TextArguments
{
    /// <summary>
    /// Refuses an empty list and any empty or whitespace-only text, or one of only characters the tokenizer drops (a
    /// zero-width space), as data files and the HTTP service do: the model
    /// would still return a label for it, but there is nothing to <paramref name="verb"/>.
    /// </summary>
    /// <exception cref="UserInputException">No texts, or a blank one; the message names its position.</exception>
    public static void RequireText(IReadOnlyList<string> texts, string verb, string howToGive)
    {
        if (texts.Count == 0) throw new UserInputException($"no texts given: {howToGive}");
        for (int i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
                throw new UserInputException($"text {i + 1} of {texts.Count} is {(texts[i].Length == 0 ? "empty" : "only whitespace")}; there is nothing to {verb}");
            RefuseNothingIn(texts, i, NothingToClassify.Describe(texts[i]), verb);
        }
    }

    /// <summary>
    /// Once the model is loaded: refuses a text its tokenizer makes no token of. <see cref="RequireText"/> refused what
    /// every vocabulary drops; an uncased one also drops accents.
    /// </summary>
    /// <exception cref="UserInputException">A text has no token; the message names its position.</exception>
    public static void RequireTokens(IReadOnlyList<string> texts, BertTextEncoder encoder, string verb)
    {
        for (int i = 0; i < texts.Count; i++) RefuseNothingIn(texts, i, NothingToClassify.Describe(texts[i], encoder), verb);
    }

    private static void RefuseNothingIn(IReadOnlyList<string> texts, int i, string? held, string verb)
    {
        if (held is not null) throw new UserInputException($"text {i + 1} of {texts.Count} has nothing to {verb}: {held}");
    }
}
