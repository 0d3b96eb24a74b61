using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Optimizers;

/// <summary>
/// Which parameters weight decay skips, by name glob (<see cref="NameGlob"/>): a module's name takes every parameter
/// under it (<c>embeddings</c> as <c>embeddings.*</c>). The default follows the Hugging Face fine-tuning recipe:
/// biases and LayerNorm weights are not decayed, everything else is.
/// </summary>
public static class WeightDecayExclusions
{
    /// <summary>The default exclusion globs: every <c>*.bias</c> and the LayerNorm weights, under both spellings exporters use.</summary>
    public static IReadOnlyList<string> DefaultPatterns { get; } = ["*.bias", "*LayerNorm.weight", "*layer_norm.weight"];

    internal static Func<string, bool> Decays(IReadOnlyList<string> noDecayPatterns)
    {
        var globs = noDecayPatterns.Select(NameGlob.Parse).ToArray();
        return name => !NameGlob.AnyMatch(globs, name);
    }
}
