using System.Globalization;

namespace OrtAgent.Explanations;

/// <summary>
/// A figure with its sign, as attributions and completeness gaps are printed: <c>+0.412</c>, <c>-0.070</c>, and
/// <c>0.000</c> for anything that rounds to zero. The two-section format <c>+0.000;-0.000</c> alone printed a tiny
/// negative as <c>-+0.000</c>: .NET formats a negative that rounds to zero with the first section and keeps the minus.
/// </summary>
internal static class SignedFigure
{
    public static string Of(double value, int decimals)
    {
        string digits = "0." + new string('0', decimals);
        return Math.Round(value, decimals).ToString($"+{digits};-{digits};{digits}", CultureInfo.InvariantCulture);
    }
}
