using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace OrtAgent.Commands;

/// <summary>
/// The one reading of every floating-point option's value. .NET reads <c>Infinity</c> and <c>NaN</c> but not <c>inf</c>,
/// so <c>--lr inf</c> was told "expected a number" while <c>--lr Infinity</c> was told the range the option takes; read
/// here, <c>inf</c>, <c>-inf</c>, <c>Infinity</c> and <c>NaN</c> alike reach the check that words that range.
/// </summary>
internal static class RealNumberOptions
{
    /// <summary>
    /// Reads <paramref name="token"/> as a number as every floating-point option does: what .NET reads in the invariant
    /// culture (<c>1e-5</c>, <c>Infinity</c>, <c>NaN</c>), and <c>inf</c>, <c>+inf</c>, <c>-inf</c> (any case) as infinities.
    /// </summary>
    public static bool TryRead(string token, out double value)
    {
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        bool signed = token.StartsWith('+') || token.StartsWith('-');
        if (!token.AsSpan(signed ? 1 : 0).Equals("inf", StringComparison.OrdinalIgnoreCase)) return false;
        value = token.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
        return true;
    }

    /// <summary>
    /// Gives every <c>float</c> and <c>double</c> option of <paramref name="command"/> and its subcommands (nullable ones
    /// too) <see cref="TryRead"/> as its parser, so that no command's floating option reads numbers its own way.
    /// </summary>
    public static void ApplyTo(Command command)
    {
        foreach (var option in command.Options)
        {
            switch (option)
            {
                case Option<double> real: Install(real, value => value); break;
                case Option<double?> real: Install<double?>(real, value => value); break;
                case Option<float> real: Install(real, value => (float)value); break;
                case Option<float?> real: Install<float?>(real, value => (float)value); break;
            }
        }
        foreach (var subcommand in command.Subcommands) ApplyTo(subcommand);
    }

    private static void Install<T>(Option<T> option, Func<double, T> convert) => option.CustomParser = result =>
    {
        if (result.Tokens.Count == 0) return option.DefaultValueFactory is { } byDefault ? byDefault(result) : default;
        string token = result.Tokens[^1].Value;
        if (TryRead(token, out double value)) return convert(value);
        // ParseErrorText words the line the user sees from the option and the token.
        result.AddError($"{option.Name} '{token}': expected a number");
        return default;
    };
}
