using System.Globalization;

namespace OrtAgent.Cli;

/// <summary>
/// A learning rate as the command line's help and plan lines write it: mantissa and exponent, <c>5e-5</c> or <c>1e-3</c>,
/// the form a user types after <c>--lr</c>. Only for rates, which are always small: 10 would read "1e+1", so messages,
/// cards and every other number go through <see cref="NumberText.Of(double)"/>.
/// </summary>
internal static class LearningRateText
{
    /// <summary><paramref name="rate"/> as the help writes it: 5e-5, 2e-5, 1e-3.</summary>
    public static string Of(double rate) => rate.ToString("0.###e+0", CultureInfo.InvariantCulture);
}
