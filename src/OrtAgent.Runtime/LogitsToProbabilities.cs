namespace OrtAgent.Runtime;

/// <summary>
/// The activation an OrtAgent export puts behind its logits, for models that only output logits (Hugging Face
/// exports): softmax per row for single-label, sigmoid per value for multi-label, the values themselves for regression.
/// </summary>
internal static class LogitsToProbabilities
{
    /// <summary>Rows of <paramref name="labels"/> logits, row after row, into probabilities of the same layout.</summary>
    public static float[] Compute(float[] logits, int labels, string problem)
    {
        var probabilities = new float[logits.Length];
        switch (problem)
        {
            case ModelContract.MultiLabel:
                for (int i = 0; i < logits.Length; i++) probabilities[i] = 1f / (1f + MathF.Exp(-logits[i]));
                break;
            case ModelContract.Regression:
                logits.CopyTo(probabilities, 0);
                break;
            default:
                for (int row = 0; row < logits.Length; row += labels) Softmax(logits.AsSpan(row, labels), probabilities.AsSpan(row, labels));
                break;
        }
        return probabilities;
    }

    // Shifted by the row's maximum so that large logits cannot overflow exp.
    private static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        float max = float.NegativeInfinity;
        foreach (var logit in logits) max = MathF.Max(max, logit);
        float sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += probabilities[i] = MathF.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) probabilities[i] /= sum;
    }
}
