using System.CommandLine;

namespace OrtAgent.Commands;

/// <summary>
/// A command-line option whose value is one of a library enum's short names (<c>--metric accuracy|macro_f1|loss</c>).
/// The string is checked when the command line is parsed, with one line naming the flag and the names it takes, and
/// read back as the enum: libraries see enums only.
/// </summary>
/// <typeparam name="T">The library's enum; every value is accepted, listed in declaration order.</typeparam>
internal sealed class ChoiceOption<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    private readonly Func<T, string> _nameOf;
    private readonly T _default;

    /// <param name="name">The flag, e.g. <c>--metric</c>.</param>
    /// <param name="description">The help text.</param>
    /// <param name="defaultValue">The value when the flag is not given.</param>
    /// <param name="nameOf">The short name of each value, as the library's own name table spells it.</param>
    /// <param name="keptOnResume">
    /// Whether a resumed run left without the option keeps its own value: then the help says so beside the default
    /// (a <see cref="ResumeKeptOption{T}"/> of the names) rather than a bare "[default: …]", and the default is given by <see cref="Read"/>.
    /// </param>
    /// <param name="newRunDefault">With <paramref name="keptOnResume"/>, what a new run takes, in words [default: the default's name].</param>
    public ChoiceOption(string name, string description, T defaultValue, Func<T, string> nameOf, bool keptOnResume = false, string? newRunDefault = null)
    {
        _nameOf = nameOf;
        _default = defaultValue;
        // Kept on resume: the help says so beside the default, and there is no DefaultValueFactory, whose "[default: …]" a resumed run belies.
        Option = keptOnResume
            ? new ResumeKeptOption<string>(name, description, nameOf(defaultValue), newRunDefault).Option
            : new Option<string>(name) { Description = description, DefaultValueFactory = _ => nameOf(defaultValue) };
        Option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (TryParse(value) is null) result.AddError($"{name} '{value}': expected {Names}");
        });
    }

    public Option<string> Option { get; }

    /// <summary>The names joined for a sentence: <c>accuracy, macro_f1 or loss</c>.</summary>
    public string Names => Values.Length == 1 ? _nameOf(Values[0])
        : string.Join(", ", Values.SkipLast(1).Select(_nameOf)) + " or " + _nameOf(Values[^1]);

    /// <summary>The value as parsed (the validator has refused anything else), or the default when the option is left out.</summary>
    public T Read(ParseResult parseResult) => !parseResult.WasGiven(Option) ? _default
        : TryParse(parseResult.GetValue(Option)) ?? throw new InvalidOperationException($"{Option.Name} was not validated.");

    private T? TryParse(string? value) =>
        value is null ? null : Values.Cast<T?>().FirstOrDefault(v => string.Equals(_nameOf(v!.Value), value.Trim(), StringComparison.OrdinalIgnoreCase));
}
