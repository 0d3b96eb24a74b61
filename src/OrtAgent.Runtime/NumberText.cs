using System.Globalization;

namespace OrtAgent;

/// <summary>
/// A real number as OrtAgent's messages, model cards and command line write it: the shortest text that reads back as the
/// same number, in the invariant culture, with the exponent as a user types it (<c>5e-5</c>, <c>1.1754944e-38</c>;
/// 0.1 and 2 as they are). .NET's own text (<c>5E-05</c>) echoed a learning rate given as <c>5e-5</c> in a form the
/// user never typed, and a culture's decimal comma would not read back at all.
/// </summary>
public static class NumberText
{
    /// <summary><paramref name="value"/> written as the type says it, and as a user would type it back.</summary>
    public static string Of(double value) => WithPlainExponent(value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>
    /// <paramref name="value"/> as its own shortest float text (0.1, not the 0.10000000149011612 its double is), with the
    /// exponent as <see cref="Of(double)"/> writes it.
    /// </summary>
    public static string Of(float value) => WithPlainExponent(value.ToString("R", CultureInfo.InvariantCulture));

    // "5E-05" → "5e-5", "1E+20" → "1e20"; infinities and NaN have no exponent and pass as they are.
    private static string WithPlainExponent(string text)
    {
        int e = text.IndexOf('E');
        if (e < 0) return text;
        int exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, e)}e{exponent}");
    }
}
