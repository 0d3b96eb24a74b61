namespace OrtAgent.Onnx;

/// <summary>Shape rules for ops that produce constants and shape tensors: Constant, Shape, Size, ConstantOfShape, Range.</summary>
internal static class ShapeComputationRules
{
    public static void Register(Dictionary<string, ShapeRule> rules)
    {
        rules["Constant"] = Constant;
        rules["Shape"] = Shape;
        rules["Size"] = c =>
        {
            c.SetOutput(0, ElementType.Int64, []);
            if (c.Shape(0) is { } s) c.SetContents(0, [DimArithmetic.Product(s)]);
        };
        rules["ConstantOfShape"] = c =>
        {
            var type = c.Node.Attributes.TryGetValue("value", out var v) ? v.AsTensor().Type : ElementType.Float;
            var shape = c.Contents(0)?.ToArray()
                ?? (c.Shape(0) is [{ IsKnown: true } n] ? ShapeRuleContext.UnknownDims((int)n.Value!.Value) : null);
            c.SetOutput(0, type, shape);
        };
        rules["Range"] = Range;
    }

    private static void Constant(ShapeRuleContext c)
    {
        var attributes = c.Node.Attributes;
        if (attributes.TryGetValue("value", out var value))
        {
            var tensor = value.AsTensor();
            c.SetOutput(0, tensor.Type, tensor.Dims.Select(Dim.Known).ToArray());
            if (ShapeInference.IsTrackable(tensor)) c.SetContents(0, tensor.ToInt64s().Select(Dim.Known).ToArray());
        }
        else if (attributes.TryGetValue("value_int", out var i))
        {
            c.SetOutput(0, ElementType.Int64, []);
            c.SetContents(0, [Dim.Known(i.AsInt())]);
        }
        else if (attributes.TryGetValue("value_ints", out var ints))
        {
            c.SetOutput(0, ElementType.Int64, [ints.AsInts().Count]);
            c.SetContents(0, ints.AsInts().Select(Dim.Known).ToArray());
        }
        else if (attributes.ContainsKey("value_float")) c.SetOutput(0, ElementType.Float, []);
        else if (attributes.TryGetValue("value_floats", out var floats)) c.SetOutput(0, ElementType.Float, [floats.AsFloats().Count]);
        else throw c.Fail("it has no value attribute OrtAgent reads (sparse and string constants are not supported)");
    }

    private static void Shape(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        if (input is null) { c.SetOutput(0, ElementType.Int64, [Dim.Unknown]); return; }
        int rank = input.Count;
        int Clamp(long v) => (int)Math.Clamp(v < 0 ? v + rank : v, 0, rank);
        int start = Clamp(c.Int("start", 0)), end = Clamp(c.Int("end", rank));
        var dims = input.Skip(start).Take(Math.Max(0, end - start)).ToArray();
        c.SetOutput(0, ElementType.Int64, [dims.Length]);
        c.SetContents(0, dims);
    }

    private static void Range(ShapeRuleContext c)
    {
        var type = c.Type(0);
        if (c.Ints(0) is [var start] && c.Ints(1) is [var limit] && c.Ints(2) is [var delta] && delta != 0)
        {
            long count = Math.Max(0, (long)Math.Ceiling((limit - start) / (double)delta));
            c.SetOutput(0, type, [count]);
            return;
        }
        // A range 0..n step 1 over a symbolic n (positions 0..sequence) has n elements.
        var limitDim = c.Contents(1) is [var l] ? l : Dim.Unknown;
        bool fromZeroByOne = c.Ints(0) is [0] && c.Ints(2) is [1];
        c.SetOutput(0, type, [fromZeroByOne ? limitDim : Dim.Unknown]);
    }
}
