using System.Globalization;

namespace OrtAgent.Training.Tests;

/// <summary>
/// Runs the rest of a test under de-DE, whose decimal separator is a comma: messages formatted in the current culture
/// read <c>1,5</c> there. The culture flows with the test's execution context only, so parallel tests are unaffected.
/// </summary>
internal sealed class GermanCulture : IDisposable
{
    private readonly CultureInfo _saved = CultureInfo.CurrentCulture;

    private GermanCulture() => CultureInfo.CurrentCulture = new CultureInfo("de-DE");

    public static GermanCulture Use() => new();

    public void Dispose() => CultureInfo.CurrentCulture = _saved;
}
