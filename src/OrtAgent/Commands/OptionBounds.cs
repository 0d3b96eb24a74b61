using System.CommandLine;
using System.Globalization;

namespace OrtAgent.Commands;

/// <summary>The bounds of an integer option, checked when the command line is parsed.</summary>
internal static class OptionBounds
{
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
    public static void RequireBetween(this Option<int> option, int minimum, int maximum, string rule) =>
        option.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => !int.TryParse(t.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))) return;
            int value = result.GetValueOrDefault<int>();
            if (value < minimum || value > maximum) result.AddError($"{option.Name} {value}: {rule}.");
        });
}
