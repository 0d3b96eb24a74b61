using System.CommandLine;
using System.Globalization;

namespace OrtAgent.Commands;

/// <summary>
/// An option whose default holds for a new run only: a resumed run left without it keeps the value it began with. Its
/// help says so (<see cref="ResumedRunDefault"/>), so it has no <c>DefaultValueFactory</c>, whose "[default: …]" a
/// resumed run belies; <see cref="Read"/> gives the default when it is left out, which the resumed-run checks take for
/// the run's own, as they know it was not given (<c>TrainJobOptions.Given</c>).
/// </summary>
/// <typeparam name="T">The option's value type.</typeparam>
internal sealed class ResumeKeptOption<T>
{
    /// <param name="name">The flag, e.g. <c>--batch-size</c>.</param>
    /// <param name="description">The help text, without the default.</param>
    /// <param name="defaultValue">The value of a new run that leaves the option out.</param>
    /// <param name="shownDefault">The default as the help writes it [default: <paramref name="defaultValue"/> in the invariant culture].</param>
    public ResumeKeptOption(string name, string description, T defaultValue, string? shownDefault = null)
    {
        Default = defaultValue;
        Option = new Option<T>(name)
        {
            Description = ResumedRunDefault.Describe(description, shownDefault ?? Convert.ToString(defaultValue, CultureInfo.InvariantCulture) ?? ""),
        };
    }

    public Option<T> Option { get; }

    /// <summary>The value of a new run that leaves the option out.</summary>
    public T Default { get; }

    /// <summary>The value given, or <see cref="Default"/> when the option is left out.</summary>
    public T Read(ParseResult parseResult) => parseResult.WasGiven(Option) ? parseResult.GetValue(Option)! : Default;
}
