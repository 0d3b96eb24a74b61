namespace OrtAgent.Onnx;

/// <summary>Shape rules for reductions, whose axes are an attribute before opset 13 (ReduceSum) or 18 (the rest) and an input after.</summary>
internal static class ReductionShapeRules
{
    public static void Register(Dictionary<string, ShapeRule> rules)
    {
        foreach (var op in new[] { "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceProd",
                                   "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp" })
            rules[op] = Reduce;
    }

    private static void Reduce(ShapeRuleContext c)
    {
        bool keepDims = c.Int("keepdims", 1) != 0;
        var input = c.Shape(0);
        var axes = c.AttributeOrInputInts("axes", 1);
        bool axesGiven = c.Node.Attributes.ContainsKey("axes") || c.HasInput(1);
        if (input is null)
        {
            c.SetOutput(0, c.Type(0), null);
            return;
        }
        if (axesGiven && axes is null)
        {
            // Axes computed at run time: with keepdims the rank is still known.
            c.SetOutput(0, c.Type(0), keepDims ? ShapeRuleContext.UnknownDims(input.Count) : null);
            return;
        }
        if (axes is null || axes.Length == 0)
        {
            if (c.Int("noop_with_empty_axes", 0) != 0) { c.SameAsInput(); return; }
            axes = Enumerable.Range(0, input.Count).Select(i => (long)i).ToArray();
        }
        var reduced = axes.Select(a => c.Axis(a, input.Count)).ToHashSet();
        var output = new List<Dim>();
        for (int i = 0; i < input.Count; i++)
        {
            if (!reduced.Contains(i)) output.Add(input[i]);
            else if (keepDims) output.Add(Dim.Known(1));
        }
        c.SetOutput(0, c.Type(0), output);
    }
}
