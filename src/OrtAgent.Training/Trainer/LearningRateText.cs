using System.Globalization;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// A learning rate as OrtAgent writes it everywhere: the command line's help and plan lines and every model card's
/// learning rate row. Mantissa and exponent, <c>5e-5</c>, <c>2e-5</c> or <c>1e-3</c>, the form a user types after
/// <c>--lr</c>: a LoRA card said <c>0.001</c> where the plan said <c>1e-3</c> and other cards <c>5e-5</c>. Only for rates,
/// which are always small (10 would read "1e+1"); every other number goes through <see cref="NumberText.Of(double)"/>.
/// </summary>
internal static class LearningRateText
{
    /// <summary><paramref name="rate"/> in mantissa and exponent, with as many digits as it has (up to 15): 5e-5, 3.5e-4, 1e-3.</summary>
    public static string Of(double rate) => rate.ToString("0.##############e+0", CultureInfo.InvariantCulture);
}
