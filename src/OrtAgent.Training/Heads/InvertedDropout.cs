using OrtAgent.Onnx;

namespace OrtAgent.Training.Heads;

/// <summary>
/// Inverted dropout spelled as <c>x · (u ≥ p) / (1 − p)</c> with <c>u ~ U[0, 1)</c> drawn by a seeded RandomUniformLike.
/// ONNX Runtime's Dropout would be deleted wherever no backward rule reads its mask (an input that needs no gradient,
/// such as a frozen layer's), silently turning dropout off there; this spelling stays whatever is trained.
/// </summary>
internal static class InvertedDropout
{
    /// <summary>The graph's constants for ratio <paramref name="ratio"/>, shared by every dropped value.</summary>
    /// <param name="g">The graph the constants go into.</param>
    /// <param name="ratio">The probability of dropping an element, in (0, 1).</param>
    /// <param name="prefix">The start of the constants' names (<c>lora</c>, <c>encoder</c>).</param>
    public static (Value Ratio, Value KeepScale) Constants(Graph g, float ratio, string prefix) =>
        (g.Constant(TensorData.Scalar(ratio), prefix + "_dropout"), g.Constant(TensorData.Scalar(1f / (1f - ratio)), prefix + "_keep_scale"));

    /// <summary>Appends the dropout of <paramref name="x"/> and returns the dropped value; <paramref name="x"/> itself is left as it is.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="x">The value to drop elements of.</param>
    /// <param name="constants">From <see cref="Constants"/>.</param>
    /// <param name="seed">The RandomUniformLike node's seed: a session draws the same masks, step by step, for the same seed.</param>
    public static Value Append(Graph g, Value x, (Value Ratio, Value KeepScale) constants, int seed)
    {
        var u = g.Op("RandomUniformLike", [x], Graph.Attrs(("seed", (float)seed)));
        var keep = g.Cast(g.Op("GreaterOrEqual", u, constants.Ratio), ElementType.Float);
        return g.Mul(x, g.Mul(keep, constants.KeepScale));
    }
}
