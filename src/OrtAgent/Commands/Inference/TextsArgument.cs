using System.CommandLine;
using System.CommandLine.Parsing;

namespace OrtAgent.Commands.Inference;

/// <summary>
/// The texts a command classifies or explains, given as arguments. System.CommandLine hands a token it does not know as
/// an option (a typo such as <c>--jsn</c>, or another command's <c>--data</c>) to a variadic argument as one more text,
/// so the command classified its own mistake and exited with 0; here a text shaped like an option (<c>-x</c>,
/// <c>--name</c>, no spaces) is refused unless it follows <c>--</c>, which is how such a text is given; so is <c>-</c>
/// alone, standard input's name, which no command reads.
/// </summary>
internal sealed class TextsArgument(string description)
{
    private const string TextsName = "texts";

    public Argument<string[]> Argument { get; } = new(TextsName) { Description = description, Arity = ArgumentArity.ZeroOrMore };

    /// <exception cref="UserInputException">A text before <c>--</c> begins with a dash.</exception>
    public string[] Read(ParseResult parseResult)
    {
        if (parseResult.GetResult(Argument) is { } texts && Refusal(parseResult, texts) is { } refusal) throw new UserInputException(refusal);
        return parseResult.GetValue(Argument) ?? [];
    }

    /// <summary>
    /// The refusal of the first word before <c>--</c> that the command's texts took and that is shaped like a flag (or is
    /// <c>-</c>), for a command line the parser refused for another reason: <c>predict --modle m "x"</c> was told only
    /// that <c>--model</c> is required, where the flag mistyped is the mistake to name (as every other command names it,
    /// <see cref="Cli.UnknownOptionText"/>). Null when there is none.
    /// </summary>
    public static string? FirstRefusal(ParseResult parseResult) =>
        parseResult.CommandResult.Children.OfType<ArgumentResult>().Where(result => result.Argument.Name == TextsName).Select(texts => Refusal(parseResult, texts)).FirstOrDefault(refusal => refusal is not null);

    private static string? Refusal(ParseResult parseResult, ArgumentResult texts)
    {
        // The command line's own tokens before "--" (all of them without one); a text among those was typed as an option.
        var beforeDoubleDash = parseResult.Tokens.TakeWhile(token => token.Type != TokenType.DoubleDash).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var token in texts.Tokens)
        {
            if (!beforeDoubleDash.Contains(token)) continue;
            // "-" alone is standard input's usual name, which no command reads (as --input - and --data - are refused):
            // it was classified as the text "-". That text goes after "--" too.
            var command = parseResult.CommandResult.Command;
            if (token.Value == "-")
                return $"-: standard input, which {command.Name} does not read; pass texts as arguments (the text \"-\" itself after \"--\")"
                    + (command.Options.Any(o => o.Name == "--input") ? ", or a file with --input FILE" : "");
            // What the flag likely was, as for a command without texts (another command's --models-root: which take it).
            if (LooksLikeAnOption(token.Value))
                return $"{token.Value}: not an option of {command.Name} (see its --help); "
                    + (Cli.UnknownOptionText.Hint(command, token.Value.Split('=', ':')[0]) is { } hint ? hint + "; " : "")
                    + "a text that begins with '-' goes after \"--\"";
        }
        return null;
    }

    // -x, --name, --name=value: a dash, a letter, then no spaces. "- great product" or "-5 stars" is a text.
    private static bool LooksLikeAnOption(string value) =>
        value.Length >= 2 && value[0] == '-' && (char.IsAsciiLetter(value[1]) || (value[1] == '-' && value.Length > 2 && char.IsAsciiLetter(value[2])))
        && !value.Split('=', 2)[0].Any(char.IsWhiteSpace);
}
