namespace OrtAgent.Onnx;

/// <summary>Shape rules for elementwise ops: same-shape unary ops (and CumSum) and broadcasting binary and variadic ops.</summary>
internal static class ElementwiseShapeRules
{
    public static void Register(Dictionary<string, ShapeRule> rules)
    {
        foreach (var op in new[] { "Sqrt", "Neg", "Exp", "Log", "Abs", "Reciprocal", "Erf", "Tanh", "Sigmoid", "Relu", "Gelu",
                                   "Softmax", "LogSoftmax", "Clip", "CumSum" })
            rules[op] = c => c.SameAsInput();
        // Without a dtype attribute the draw takes its input's type as well as its shape.
        rules["RandomUniformLike"] = c => c.SetOutput(0, c.Node.Attributes.ContainsKey("dtype") ? (ElementType)c.Int("dtype", 0) : c.Type(0), c.Shape(0));
        rules["Identity"] = c => { c.SameAsInput(); c.SetContents(0, c.Contents(0)); };
        rules["Not"] = c => c.SetOutput(0, ElementType.Bool, c.Shape(0));

        rules["Add"] = c => Arithmetic(c, DimArithmetic.Add);
        rules["Sub"] = c => Arithmetic(c, DimArithmetic.Sub);
        rules["Mul"] = c => Arithmetic(c, DimArithmetic.Mul);
        rules["Div"] = c => Arithmetic(c, DimArithmetic.Div);
        rules["Pow"] = c => c.SetOutput(0, c.Type(0), Broadcasting.Shape(c.Shape(0), c.Shape(1)));

        foreach (var op in new[] { "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual" })
            rules[op] = c => c.SetOutput(0, ElementType.Bool, Broadcasting.Shape(c.Shape(0), c.Shape(1)));
        foreach (var op in new[] { "Max", "Min", "Sum", "Mean" })
            rules[op] = c => c.SetOutput(0, c.Type(0), Broadcasting.Shape(c.Node.Inputs.Select(i => i?.Shape).ToArray()));
        rules["Where"] = c => c.SetOutput(0, c.Type(1), Broadcasting.Shape(c.Shape(0), c.Shape(1), c.Shape(2)));

        rules["Cast"] = c =>
        {
            var to = (ElementType)c.Int("to", 0);
            c.SetOutput(0, to, c.Shape(0));
            if (to is ElementType.Int64 or ElementType.Int32) c.SetContents(0, c.Contents(0));
        };
    }

    /// <summary>Broadcasts, and when both sides are small known integer tensors (shape arithmetic) computes the result too.</summary>
    private static void Arithmetic(ShapeRuleContext c, Func<Dim, Dim, Dim> op)
    {
        var type = c.Type(0) != ElementType.Undefined ? c.Type(0) : c.Type(1);
        c.SetOutput(0, type, Broadcasting.Shape(c.Shape(0), c.Shape(1)));
        if (c.Contents(0) is not { } a || c.Contents(1) is not { } b) return;
        if (a.Count != b.Count && a.Count != 1 && b.Count != 1) return;
        int n = Math.Max(a.Count, b.Count);
        c.SetContents(0, Enumerable.Range(0, n).Select(i => op(a[a.Count == 1 ? 0 : i], b[b.Count == 1 ? 0 : i])).ToArray());
    }
}
