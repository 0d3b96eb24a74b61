namespace OrtAgent.Onnx;

/// <summary>ONNX multidirectional (numpy-style) broadcasting over dims that may be symbolic or unknown.</summary>
internal static class Broadcasting
{
    /// <summary>
    /// The broadcast shape of <paramref name="shapes"/>, or null when any rank is unknown.
    /// Throws <see cref="ArgumentException"/> when two known sizes other than 1 disagree.
    /// </summary>
    public static IReadOnlyList<Dim>? Shape(params IReadOnlyList<Dim>?[] shapes)
    {
        if (shapes.Any(s => s is null)) return null;
        int rank = shapes.Max(s => s!.Count);
        var result = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim? merged = null;
            foreach (var shape in shapes)
            {
                int j = shape!.Count - rank + i;
                if (j < 0) continue;
                merged = merged is Dim m ? Pair(m, shape[j]) : shape[j];
            }
            result[i] = merged ?? Dim.Known(1);
        }
        return result;
    }

    private static Dim Pair(Dim a, Dim b)
    {
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        if (a.IsKnown && b.IsKnown)
            return a.Value == b.Value ? a : throw new ArgumentException($"dims {a} and {b} do not broadcast");
        // A known size other than 1 decides the result: the other side must equal it or be 1.
        if (a.IsKnown) return a;
        if (b.IsKnown) return b;
        // Two symbols (or unknowns): equal symbols stay; anything else could be either, so it is unknown.
        return a.Symbol is not null && a == b ? a : Dim.Unknown;
    }
}
