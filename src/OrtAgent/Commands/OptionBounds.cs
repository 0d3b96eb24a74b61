using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace OrtAgent.Commands;

/// <summary>
/// The bounds of an integer option: checked when the command line is parsed (<see cref="RequireBetween"/>), or only
/// declared (<see cref="Takes"/>) where a library's options check the value, so that a number too large to read at all
/// is answered with the range the option takes (<c>--seed '99999999999': expected a whole number from 0 to
/// 2147483647.</c>), not the parser's.
/// </summary>
internal static class OptionBounds
{
    private sealed record Range(int Minimum, int Maximum);

    private static readonly ConditionalWeakTable<Option, Range> Ranges = [];

    /// <summary>Declares that <paramref name="option"/> takes <paramref name="minimum"/> to <paramref name="maximum"/>, without checking it.</summary>
    /// <returns>The option, to declare it in an initializer.</returns>
    public static Option<int> Takes(this Option<int> option, int minimum, int maximum)
    {
        Ranges.AddOrUpdate(option, new Range(minimum, maximum));
        return option;
    }

    /// <summary>The range <paramref name="option"/> takes, as declared or required here; null when none is.</summary>
    public static (int Minimum, int Maximum)? RangeOf(Option option) =>
        Ranges.TryGetValue(option, out var range) ? (range.Minimum, range.Maximum) : null;

    /// <summary>
    /// Refuses a value below <paramref name="minimum"/> with one line naming the flag, the value and
    /// <paramref name="rule"/> (<c>--batch-size 0: must be at least 1.</c>).
    /// </summary>
    public static void RequireAtLeast(this Option<int> option, int minimum, string rule) =>
        option.RequireBetween(minimum, int.MaxValue, rule);

    /// <summary>Refuses a value outside [<paramref name="minimum"/>, <paramref name="maximum"/>], as <see cref="RequireAtLeast"/> does.</summary>
    /// <remarks>
    /// A token that is no whole number is left alone: the parser reports it itself (worded by <c>ParseErrorText</c>),
    /// and reading the value here would throw, which the error handler would take for an internal error.
    /// </remarks>
    public static void RequireBetween(this Option<int> option, int minimum, int maximum, string rule)
    {
        option.Takes(minimum, maximum);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => !int.TryParse(t.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))) return;
            int value = result.GetValueOrDefault<int>();
            if (value < minimum || value > maximum) result.AddError($"{option.Name} {value}: {rule}");
        });
    }
}
