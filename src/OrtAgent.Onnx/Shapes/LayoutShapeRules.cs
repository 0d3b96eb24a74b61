namespace OrtAgent.Onnx;

/// <summary>Shape rules for ops that rearrange elements without computing on them: Reshape, Transpose, (Un)Squeeze, Concat, Expand, Tile, Flatten.</summary>
internal static class LayoutShapeRules
{
    public static void Register(Dictionary<string, ShapeRule> rules)
    {
        rules["Reshape"] = Reshape;
        rules["Transpose"] = Transpose;
        rules["Unsqueeze"] = Unsqueeze;
        rules["Squeeze"] = Squeeze;
        rules["Concat"] = Concat;
        rules["Expand"] = Expand;
        rules["Tile"] = Tile;
        rules["Flatten"] = Flatten;
    }

    private static void Reshape(ShapeRuleContext c)
    {
        var target = c.Contents(1);
        if (target is null)
        {
            c.SetOutput(0, c.Type(0), c.Shape(1) is [{ IsKnown: true } n] ? ShapeRuleContext.UnknownDims((int)n.Value!.Value) : null);
            return;
        }
        bool allowZero = c.Int("allowzero", 0) != 0;
        var input = c.Shape(0);
        var output = new Dim[target.Count];
        int inferred = -1;
        for (int i = 0; i < target.Count; i++)
        {
            var t = target[i];
            if (t.Value == 0 && !allowZero) output[i] = input is not null && i < input.Count ? input[i] : Dim.Unknown;
            else if (t.Value == -1) inferred = i;
            else if (t.Value < -1) throw c.Fail($"shape element {t.Value} is invalid");
            else output[i] = t;
        }
        if (inferred >= 0) output[inferred] = RemainingDim(input, output.Where((_, i) => i != inferred));
        c.SetOutput(0, c.Type(0), output);
        if (output.Length <= 1) c.SetContents(0, c.Contents(0));
    }

    /// <summary>
    /// The dim a -1 stands for: the input's element count divided by the other output dims, cancelling symbols
    /// that appear on both sides (<c>[batch, seq, 384] → [batch, seq, 12, -1]</c> gives 32).
    /// </summary>
    private static Dim RemainingDim(IReadOnlyList<Dim>? input, IEnumerable<Dim> others)
    {
        if (input is null) return Dim.Unknown;
        long numerator = 1, denominator = 1;
        var symbols = new List<string>();
        foreach (var d in input)
        {
            if (d.IsKnown) numerator *= d.Value!.Value;
            else if (d.Symbol is { } s) symbols.Add(s);
            else return Dim.Unknown;
        }
        foreach (var d in others)
        {
            if (d.IsKnown) denominator *= d.Value!.Value;
            else if (d.Symbol is not { } s || !symbols.Remove(s)) return Dim.Unknown;
        }
        if (denominator == 0 || numerator % denominator != 0) return Dim.Unknown;
        long quotient = numerator / denominator;
        return symbols.Count switch
        {
            0 => Dim.Known(quotient),
            1 when quotient == 1 => Dim.Symbolic(symbols[0]),
            _ => Dim.Unknown,
        };
    }

    private static void Transpose(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        if (input is null) { c.SetOutput(0, c.Type(0), null); return; }
        var perm = c.Node.IntsAttribute("perm") ?? Enumerable.Range(0, input.Count).Reverse().Select(i => (long)i).ToArray();
        if (perm.Count != input.Count) throw c.Fail($"perm has {perm.Count} entries for rank {input.Count}");
        c.SetOutput(0, c.Type(0), perm.Select(p => input[c.Axis(p, input.Count)]).ToArray());
    }

    private static void Unsqueeze(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        var axes = c.AttributeOrInputInts("axes", 1);
        if (input is null || axes is null) { c.SetOutput(0, c.Type(0), null); return; }
        int rank = input.Count + axes.Length;
        var inserted = axes.Select(a => c.Axis(a, rank)).ToHashSet();
        var output = new Dim[rank];
        for (int i = 0, j = 0; i < rank; i++) output[i] = inserted.Contains(i) ? Dim.Known(1) : input[j++];
        c.SetOutput(0, c.Type(0), output);
        c.SetContents(0, c.Contents(0));
    }

    private static void Squeeze(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        var axes = c.AttributeOrInputInts("axes", 1);
        bool axesGiven = c.Node.Attributes.ContainsKey("axes") || c.HasInput(1);
        if (input is null || (axesGiven && axes is null)) { c.SetOutput(0, c.Type(0), null); return; }
        if (axes is null)
        {
            // Without axes every size-1 dim goes; an unknown dim might be 1, so the rank is unknown.
            c.SetOutput(0, c.Type(0), input.Any(d => !d.IsKnown) ? null : input.Where(d => d.Value != 1).ToArray());
        }
        else
        {
            var removed = axes.Select(a => c.Axis(a, input.Count)).ToHashSet();
            c.SetOutput(0, c.Type(0), input.Where((_, i) => !removed.Contains(i)).ToArray());
        }
        c.SetContents(0, c.Contents(0));
    }

    private static void Concat(ShapeRuleContext c)
    {
        var shapes = c.Node.Inputs.Select(i => i?.Shape).ToArray();
        var type = c.Node.Inputs.Select(i => i?.Type ?? ElementType.Undefined).FirstOrDefault(t => t != ElementType.Undefined);
        var anyShape = shapes.FirstOrDefault(s => s is not null);
        if (anyShape is null) { c.SetOutput(0, type, null); return; }
        int axis = c.Axis(c.Int("axis", 0), anyShape.Count);
        var output = new Dim[anyShape.Count];
        for (int d = 0; d < output.Length; d++)
        {
            if (shapes.Any(s => s is null)) { output[d] = Dim.Unknown; continue; }
            output[d] = d == axis
                ? shapes.Select(s => s![d]).Aggregate(Dim.Known(0), DimArithmetic.Add)
                : shapes.Select(s => s![d]).Aggregate(DimArithmetic.Merge);
        }
        c.SetOutput(0, type, output);
        var contents = Enumerable.Range(0, c.InputCount).Select(c.Contents).ToArray();
        if (contents.All(x => x is not null)) c.SetContents(0, contents.SelectMany(x => x!).ToArray());
    }

    private static void Expand(ShapeRuleContext c)
    {
        if (c.Contents(1) is { } target) { c.SetOutput(0, c.Type(0), Broadcasting.Shape(c.Shape(0), target)); return; }
        int? rank = c.Shape(1) is [{ IsKnown: true } n] && c.Rank(0) is int r ? Math.Max(r, (int)n.Value!.Value) : null;
        c.SetOutput(0, c.Type(0), rank is int k ? ShapeRuleContext.UnknownDims(k) : null);
    }

    private static void Tile(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        var repeats = c.Contents(1);
        if (input is null) { c.SetOutput(0, c.Type(0), null); return; }
        c.SetOutput(0, c.Type(0), repeats is null || repeats.Count != input.Count
            ? ShapeRuleContext.UnknownDims(input.Count)
            : input.Select((d, i) => DimArithmetic.Mul(d, repeats[i])).ToArray());
    }

    private static void Flatten(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        if (input is null) { c.SetOutput(0, c.Type(0), ShapeRuleContext.UnknownDims(2)); return; }
        long axis = c.Int("axis", 1);
        int split = axis == input.Count ? input.Count : axis < 0 ? c.Axis(axis, input.Count) : (int)Math.Min(axis, input.Count);
        c.SetOutput(0, c.Type(0), [DimArithmetic.Product(input.Take(split)), DimArithmetic.Product(input.Skip(split))]);
    }
}
