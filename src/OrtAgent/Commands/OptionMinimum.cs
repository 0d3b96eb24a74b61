using System.CommandLine;
using System.Globalization;

namespace OrtAgent.Commands;

/// <summary>The lower bound of an integer option, checked when the command line is parsed.</summary>
internal static class OptionMinimum
{
    /// <summary>
    /// Refuses a value below <paramref name="minimum"/> with one line naming the flag, the value and
    /// <paramref name="rule"/> (<c>--threads -1: must be 0 (automatic) or more.</c>).
    /// </summary>
    /// <remarks>
    /// A token that is no whole number is left alone: the parser reports it itself (worded by <c>ParseErrorText</c>),
    /// and reading the value here would throw, which the error handler would take for an internal error.
    /// </remarks>
    public static void RequireAtLeast(this Option<int> option, int minimum, string rule) =>
        option.Validators.Add(result =>
        {
            if (result.Tokens.Any(t => !int.TryParse(t.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))) return;
            int value = result.GetValueOrDefault<int>();
            if (value < minimum) result.AddError($"{option.Name} {value}: {rule}.");
        });
}
