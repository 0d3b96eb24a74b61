using System.CommandLine;

namespace OrtAgent.Cli;

/// <summary>
/// The line for a flag the command does not take, with what the user most likely meant: a close spelling of one of its
/// own options (<c>--lables: not an option of train; did you mean --labels</c>), or the commands that do take it
/// (<c>--epochs: not an option of eval; train takes it</c>). The parser's own line only said
/// <c>unrecognized command or argument '--output'</c>, which reads as if the flag did not exist anywhere.
/// </summary>
internal static class UnknownOptionText
{
    /// <summary>How many letters may differ for a flag to count as a misspelling of another.</summary>
    private const int MostEdits = 2;

    /// <summary>
    /// Flags a user reaches for on a command that does the same thing another way; the hint says that way.
    /// eval's report goes to stdout (or JSON) and its only file is the misclassified rows.
    /// </summary>
    private static readonly Dictionary<(string Command, string Option), string> Instead = new()
    {
        [("eval", "--output")] = "it writes with --errors FILE (the misclassified rows) or --json",
        [("eval", "-o")] = "it writes with --errors FILE (the misclassified rows) or --json",
    };

    /// <summary>
    /// The line when one of the parser's errors is a flag-like word that no option of the command matches, with a hint
    /// where there is one; else null, and the parser's own line stands.
    /// </summary>
    public static string? Describe(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        // Any of the errors, not only the first: 'ortagent --versio' had "required command was not provided" first,
        // which named nothing the user typed.
        var word = parseResult.UnmatchedTokens.FirstOrDefault(t => t.StartsWith('-')
            && parseResult.Errors.Any(error => error.Message.Contains($"'{t}'", StringComparison.Ordinal)));
        if (word is null) return null;
        var flag = word.Split('=', ':')[0];
        var name = CommandName(command);
        // The command's own flag, given before the command's name (ortagent --models-root DIR models list): an option
        // belongs to the commands that take it, and one that every command took ignored it on most of them.
        if (OptionsOf(command).Any(o => o.Name == flag || o.Aliases.Contains(flag)))
            return $"{flag}: an option of {name}, so it goes after '{name}' ({ParseErrorText.CommandPath(command)} {flag} …); see '{ParseErrorText.CommandPath(command)} --help'";
        // With no hint too: the parser's "unrecognized command or argument" read as if the word might be a command.
        return NotAnOption(command, flag);
    }

    /// <summary>
    /// The line for <paramref name="flag"/>, which <paramref name="command"/> does not take, with the hint when there is
    /// one: for a command whose argument took the flag as its value (<c>models pull --bogus</c>), where the parser has
    /// no line of its own to keep.
    /// </summary>
    public static string NotAnOption(Command command, string flag) =>
        $"{flag}: not an option of {CommandName(command)}; " + (Hint(command, flag) is { } hint ? hint + "; " : "")
        + $"see '{ParseErrorText.CommandPath(command)} --help'";

    /// <summary>
    /// What <paramref name="flag"/>, which <paramref name="command"/> does not take, was likely meant as: another way the
    /// command does it, a close spelling of one of its options, or the other commands that take it; null when none.
    /// </summary>
    public static string? Hint(Command command, string flag) =>
        Instead.TryGetValue((CommandName(command), flag), out var instead) ? instead
            : ClosestOption(command, flag) is { } close ? $"did you mean {close}"
            : OtherCommandsTaking(RootOf(command), command, flag) is { Count: > 0 } others
                ? $"{string.Join(", ", others)} {(others.Count == 1 ? "takes" : "take")} it"
            : null;

    private static Command RootOf(Command command) =>
        command.Parents.OfType<Command>().FirstOrDefault() is { } parent ? RootOf(parent) : command;

    /// <summary>The command as the user typed it after <c>ortagent</c> (<c>models pull</c>), or <c>ortagent</c> itself.</summary>
    private static string CommandName(Command command)
    {
        var path = ParseErrorText.CommandPath(command);
        return path == "ortagent" ? path : path["ortagent ".Length..];
    }

    /// <summary>The name of this command's option nearest <paramref name="flag"/>, when at most <see cref="MostEdits"/> letters away.</summary>
    private static string? ClosestOption(Command command, string flag)
    {
        var names = OptionsOf(command).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(n => n.StartsWith("--", StringComparison.Ordinal));
        var (best, distance) = (default(string), int.MaxValue);
        foreach (var candidate in names)
        {
            int edits = EditDistance(flag, candidate);
            if (edits < distance) (best, distance) = (candidate, edits);
        }
        // A two-letter flag is within two edits of every other short one; a misspelling keeps most of the word.
        return distance <= Math.Min(MostEdits, (flag.Length - 2) / 3) ? best : null;
    }

    /// <summary>The other commands (by their names after <c>ortagent</c>) that have an option called <paramref name="flag"/>.</summary>
    private static List<string> OtherCommandsTaking(Command root, Command command, string flag)
    {
        var found = new List<string>();
        void Visit(Command c)
        {
            if (c != command && !c.Hidden && c.Options.Any(o => !o.Hidden && (o.Name == flag || o.Aliases.Contains(flag))))
                found.Add(CommandName(c));
            foreach (var sub in c.Subcommands) Visit(sub);
        }
        Visit(root);
        return found;
    }

    /// <summary>The options a command takes: its own and those its parents pass down (<c>--verbose</c>, <c>--help</c>).</summary>
    private static IEnumerable<Option> OptionsOf(Command command) =>
        command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => OptionsOf(p).Where(o => o.Recursive)));

    /// <summary>
    /// Optimal string alignment distance: the fewest one-letter insertions, deletions or changes, or swaps of two
    /// neighbouring letters, from one word to the other. A swap is one slip of the fingers (<c>--jsno</c> for
    /// <c>--json</c>), which Levenshtein's count of two put out of reach of a short flag's one edit.
    /// </summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j], d[i, j - 1]) + 1, d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
