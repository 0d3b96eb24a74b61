namespace OrtAgent.Onnx;

/// <summary>Shape rules for the layers of a network: MatMul, Gemm, LayerNormalization, Dropout, SoftmaxCrossEntropyLoss.</summary>
internal static class NetworkShapeRules
{
    public static void Register(Dictionary<string, ShapeRule> rules)
    {
        rules["MatMul"] = MatMul;
        rules["Gemm"] = Gemm;
        rules["LayerNormalization"] = LayerNormalization;
        rules["Dropout"] = c =>
        {
            c.SameAsInput();
            c.SetOutput(1, ElementType.Bool, c.Shape(0));
        };
        rules["SoftmaxCrossEntropyLoss"] = SoftmaxCrossEntropyLoss;
    }

    /// <summary>numpy matmul: 1-D operands gain a dim that is removed again; leading (batch) dims broadcast.</summary>
    private static void MatMul(ShapeRuleContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        if (a is null || b is null) { c.SetOutput(0, c.Type(0), null); return; }
        if (a.Count == 0 || b.Count == 0) throw c.Fail("MatMul operands must have rank 1 or more");
        var left = a.Count == 1 ? [Dim.Known(1), a[0]] : a.ToArray();
        var right = b.Count == 1 ? [b[0], Dim.Known(1)] : b.ToArray();
        var k1 = left[^1];
        var k2 = right[^2];
        if (k1.IsKnown && k2.IsKnown && k1 != k2) throw c.Fail($"inner dims {k1} and {k2} differ");
        var batch = Broadcasting.Shape(left[..^2], right[..^2])!;
        var output = new List<Dim>(batch);
        if (a.Count != 1) output.Add(left[^2]);
        if (b.Count != 1) output.Add(right[^1]);
        c.SetOutput(0, c.Type(0), output);
    }

    private static void Gemm(ShapeRuleContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        if (a is not { Count: 2 } || b is not { Count: 2 }) { c.SetOutput(0, c.Type(0), ShapeRuleContext.UnknownDims(2)); return; }
        var m = c.Int("transA", 0) != 0 ? a[1] : a[0];
        var n = c.Int("transB", 0) != 0 ? b[0] : b[1];
        c.SetOutput(0, c.Type(0), [m, n]);
    }

    /// <summary>Mean and InvStdDev keep the leading dims and have size 1 from <c>axis</c> on, in the stash type (float by default).</summary>
    private static void LayerNormalization(ShapeRuleContext c)
    {
        c.SameAsInput();
        var input = c.Shape(0);
        var stashType = (ElementType)c.Int("stash_type", (long)ElementType.Float);
        Dim[]? statistics = null;
        if (input is not null)
        {
            int axis = c.Axis(c.Int("axis", -1), input.Count);
            statistics = input.Select((d, i) => i < axis ? d : Dim.Known(1)).ToArray();
        }
        c.SetOutput(1, stashType, statistics);
        c.SetOutput(2, stashType, statistics);
    }

    /// <summary>Scores [N, C, d1…], labels [N, d1…]; the loss is a scalar unless reduction is "none", then shaped like the labels.</summary>
    private static void SoftmaxCrossEntropyLoss(ShapeRuleContext c)
    {
        bool none = c.Node.StringAttribute("reduction", "mean") == "none";
        c.SetOutput(0, c.Type(0), none ? c.Shape(1) : []);
        c.SetOutput(1, c.Type(0), c.Shape(0));
    }
}
