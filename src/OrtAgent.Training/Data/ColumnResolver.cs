namespace OrtAgent.Data;

/// <summary>
/// Finds the text and label columns in a header: by the names the user gave, else by the usual names
/// data sets use for them; and the group column, only by the name the user gave. Shared by the delimited and
/// JSON Lines readers so both explain a miss alike.
/// </summary>
internal static class ColumnResolver
{
    // In priority order: a header with both "text" and "review" uses "text".
    internal static readonly string[] TextNames = ["text", "sentence", "review", "content"];
    internal static readonly string[] LabelNames = ["label", "sentiment", "class", "category"];

    // Messages name the options as the library spells them; a host that sets them from flags words them its way.
    private static readonly string TextOption = InvalidOptionException.Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.TextColumn));
    // UnlabeledTextFile reads through LabeledTextFileOptions (TextOnly), but its caller set UnlabeledTextFileOptions.
    private static readonly string UnlabeledTextOption = InvalidOptionException.Name<UnlabeledTextFileOptions>(nameof(UnlabeledTextFileOptions.TextColumn));
    private static readonly string LabelOption = InvalidOptionException.Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.LabelColumn));
    private static readonly string GroupOption = InvalidOptionException.Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.GroupColumn));

    /// <summary>
    /// The header indices of the text, label and group columns; the label index is -1 when
    /// <see cref="LabeledTextFileOptions.TextOnly"/>, the group index -1 without <see cref="LabeledTextFileOptions.GroupColumn"/>.
    /// </summary>
    /// <param name="header">The column names (for JSON Lines, the property names of the first object).</param>
    /// <param name="options">Names the user gave, if any.</param>
    /// <param name="location">Where the header is, such as <c>data/x.csv line 1</c>, to start messages with.</param>
    /// <param name="headerKind">What the header is called in messages: "columns" or "properties".</param>
    internal static ResolvedColumns Resolve(
        IReadOnlyList<string> header, LabeledTextFileOptions options, string location, string headerKind)
    {
        // The names the options give: a column one of them names exactly is that option's, not an alike of another's column.
        string?[] named = [options.TextColumn, options.TextOnly ? null : options.LabelColumn, options.GroupColumn];
        int text = Find(header, options.TextColumn, TextNames, ColumnRole.Text, options.TextOnly ? UnlabeledTextOption : TextOption, location, headerKind, named);
        int label = -1;
        if (!options.TextOnly)
        {
            label = Find(header, options.LabelColumn, LabelNames, ColumnRole.Label, LabelOption, location, headerKind, named);
            if (text == label)
            {
                throw new UserInputException(
                    $"{location}: the text and label are both read from {PrintableText.Quote(header[text])}; name two different {headerKind} with {TextOption} and {LabelOption}");
            }
        }
        int group = options.GroupColumn is null
            ? -1
            : Find(header, options.GroupColumn, [], role: null, GroupOption, location, headerKind, named);
        if (group == text)
        {
            throw new UserInputException(
                $"{location}: {GroupOption} '{options.GroupColumn}' names the text column; group by a column that holds a few distinct values, such as a source or a date");
        }
        return new ResolvedColumns(text, label, group);
    }

    // A column named by the caller came from an option, so that miss names it; the group column is only ever named (role null).
    // namedByOptions: every option's requested name (null where not given), this one's among them.
    private static int Find(
        IReadOnlyList<string> header, string? requested, string[] usualNames, ColumnRole? role, string option,
        string location, string headerKind, IReadOnlyList<string?> namedByOptions)
    {
        int found = FindFirst(header, requested, usualNames, role, option, location, headerKind);
        // Two columns of one name (a sheet's column copied, a join's output): reading the first would be a silent guess.
        int other = Enumerable.Range(0, header.Count).FirstOrDefault(i => i != found && header[i] == header[found], -1);
        if (other >= 0)
        {
            throw new UserInputException(
                $"{location}: {headerKind} {Math.Min(found, other) + 1} and {Math.Max(found, other) + 1} are both named {PrintableText.Quote(header[found])}, so which holds the {role?.ToString().ToLowerInvariant() ?? "group"} is unclear; rename one");
        }
        // Names are matched regardless of case and surrounding spaces, so "Label" beside "label" is the same repeat: the
        // exact match winning would be a silent guess too. Only a column the user's option names exactly was chosen, and a
        // column another option names exactly ("Label" given as the group beside the label found as "label") is that one's.
        if (requested is null || header[found] != requested)
        {
            int alike = Enumerable.Range(0, header.Count).FirstOrDefault(
                i => i != found && ReadAlike(header[i], header[found]) && !namedByOptions.Contains(header[i]), -1);
            if (alike >= 0)
            {
                var (first, second) = (Math.Min(found, alike), Math.Max(found, alike));
                throw new UserInputException(
                    $"{location}: {headerKind} {first + 1} and {second + 1} are named {PrintableText.Quote(header[first])} and {PrintableText.Quote(header[second])}, "
                    + $"which differ only in {HowTheyDiffer(header[first], header[second])}, so which holds the {role?.ToString().ToLowerInvariant() ?? "group"} is unclear; "
                    + $"rename one, or name the one to read exactly with {option}");
            }
        }
        return found;
    }

    private static bool ReadAlike(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    private static string HowTheyDiffer(string a, string b) =>
        a.Trim() == b.Trim() ? "surrounding spaces"
        : string.Equals(a, b, StringComparison.OrdinalIgnoreCase) ? "case"
        : "case and surrounding spaces";

    private static int FindFirst(
        IReadOnlyList<string> header, string? requested, string[] usualNames, ColumnRole? role, string option,
        string location, string headerKind)
    {
        string what = role?.ToString().ToLowerInvariant() ?? "group";
        if (requested is not null)
        {
            int index = IndexOf(header, requested);
            if (index < 0)
            {
                throw new UserInputException(
                    $"{location}: no {what} column '{requested}' (from {option}); the {headerKind} are {PrintableText.QuoteAll(header)}");
            }
            return index;
        }

        foreach (string name in usualNames)
        {
            int index = IndexOf(header, name);
            if (index >= 0)
            {
                return index;
            }
        }
        throw new MissingColumnException(
            $"{location}: no {what} column found; looked for {string.Join(", ", usualNames)} (any case) among the {headerKind} {PrintableText.QuoteAll(header)}", role!.Value);
    }

    // An exact match wins over one that differs only in case or surrounding spaces (Find refuses a header holding both).
    private static int IndexOf(IReadOnlyList<string> header, string name)
    {
        for (int i = 0; i < header.Count; i++)
        {
            if (header[i] == name)
            {
                return i;
            }
        }
        for (int i = 0; i < header.Count; i++)
        {
            if (ReadAlike(header[i], name))
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>Header indices of a file's columns; -1 for a column not read.</summary>
internal readonly record struct ResolvedColumns(int Text, int Label, int Group);
