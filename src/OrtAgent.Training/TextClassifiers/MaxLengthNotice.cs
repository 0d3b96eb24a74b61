using System.Globalization;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// What a run says when the maximum length asked for is more than the positions of the encoder it trains: capped, not
/// refused (a default of 128 on a base of fewer positions is no mistake), but said, in one wording for the library's
/// observer and the command line (which names the option as its flag).
/// </summary>
internal static class MaxLengthNotice
{
    /// <summary>The notice for <paramref name="option"/> set to <paramref name="asked"/> on an encoder of <paramref name="positions"/> positions; null when it fits.</summary>
    public static string? Of(string option, int asked, int positions) => asked <= positions ? null : string.Create(CultureInfo.InvariantCulture,
        $"{option} {asked} is more than the {positions} positions of the encoder trained: texts are cut at {positions} tokens, [CLS] and [SEP] included.");
}
