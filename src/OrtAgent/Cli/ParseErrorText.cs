using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using OrtAgent.Commands;

namespace OrtAgent.Cli;

/// <summary>
/// The one line a command-line parse error prints. A value that is not a number says which flag and what it takes
/// (<c>--lr 'abc': expected a number</c>) instead of the parser's .NET type name (<c>System.Nullable`1[System.Single]</c>).
/// </summary>
internal static class ParseErrorText
{
    /// <summary>
    /// The line with the help to read after it, in the house style of every other error line (lower-case start, no full
    /// stop): <c>--method 'x': expected standard, contrastive or auto; see 'ortagent train --help'</c>. The parser's own
    /// sentences (<c>Unrecognized command or argument 'x'.</c>) and the validators' (some end in a full stop) are cut to that.
    /// </summary>
    public static string Describe(ParseError error, Command command) => $"{Clause(Line(error))}; see '{CommandPath(command)} --help'";

    /// <summary>A sentence as a clause: its first letter lower-cased when it starts a word (not a name like ONNX), its full stop dropped.</summary>
    private static string Clause(string sentence)
    {
        var text = sentence.Trim().TrimEnd('.');
        return text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }

    /// <summary>
    /// The line for a word where a command was expected that names none, with the commands there are and where their
    /// help is (<c>unknown command 'frobnicate'; commands: train, …; see 'ortagent --help'</c>), or null when there is no
    /// such word: the parser said only that a command is required, and with <c>--help</c> printed the parent's help
    /// without a word on it.
    /// </summary>
    public static string? UnknownCommand(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        var commands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        if (commands.Count == 0 || parseResult.UnmatchedTokens.FirstOrDefault() is not { } word || word.StartsWith('-')) return null;
        string where = command is RootCommand ? "" : $" for '{CommandPath(command)}'";
        return $"unknown command '{word}'{where}; commands: {string.Join(", ", commands)}; see '{CommandPath(command)} --help'";
    }

    /// <summary>The words that invoke <paramref name="command"/>, as in <c>ortagent models pull</c>.</summary>
    public static string CommandPath(Command command) =>
        command is RootCommand || command.Parents.OfType<Command>().FirstOrDefault() is not { } parent
            ? "ortagent"
            : $"{CommandPath(parent)} {command.Name}";

    private static string Line(ParseError error)
    {
        var (option, tokens) = error.SymbolResult switch
        {
            OptionResult o => (o.Option, o.Tokens),
            ArgumentResult { Parent: OptionResult o } a => (o.Option, a.Tokens),
            _ => (null, []),
        };
        if (option is null) return error.Message;
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        foreach (var token in tokens)
            if (Expected(option, type, token.Value) is { } expected) return $"{option.Name} '{token.Value}': expected {expected}";
        return error.Message;
    }

    /// <summary>What a value of <paramref name="type"/> must be, when <paramref name="value"/> is not one; else null.</summary>
    /// <remarks>
    /// A whole number too large for an int is answered with the range the option takes (<see cref="OptionBounds"/>);
    /// an option that declares none is told only the end it passed, as many take no negative values.
    /// </remarks>
    private static string? Expected(Option option, Type type, string value)
    {
        const NumberStyles Whole = NumberStyles.Integer;
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(int))
        {
            if (int.TryParse(value, Whole, invariant, out _)) return null;
            if (!long.TryParse(value, Whole, invariant, out long number)) return "a whole number";
            return OptionBounds.RangeOf(option) is var (minimum, maximum) ? $"a whole number from {minimum} to {maximum}"
                : number > 0 ? $"a whole number no larger than {int.MaxValue}" : $"a whole number no smaller than {int.MinValue}";
        }
        if (type == typeof(long)) return long.TryParse(value, Whole, invariant, out _) ? null : "a whole number";
        if (type == typeof(float) || type == typeof(double)) return RealNumberOptions.TryRead(value, out _) ? null : "a number";
        return null;
    }
}
