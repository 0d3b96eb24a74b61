namespace OrtAgent.Onnx;

/// <summary>Shape rules for ops that select or place elements by index: Gather, GatherElements, Slice, Split, ScatterND, OneHot, Compress, TopK.</summary>
internal static class IndexingShapeRules
{
    /// <summary>Slice ends at or above this mean "to the end" (exporters write INT64_MAX or INT32_MAX).</summary>
    private const long ToTheEnd = int.MaxValue;

    public static void Register(Dictionary<string, ShapeRule> rules)
    {
        rules["Gather"] = Gather;
        rules["GatherElements"] = c => c.SetOutput(0, c.Type(0), c.Shape(1));
        rules["Slice"] = Slice;
        rules["Split"] = Split;
        rules["ScatterND"] = c => c.SameAsInput();
        rules["OneHot"] = OneHot;
        rules["Compress"] = Compress;
        rules["TopK"] = TopK;
    }

    private static void TopK(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        Dim[]? shape = null;
        if (input is not null)
        {
            int axis = c.Axis(c.Int("axis", -1), input.Count);
            var k = c.Contents(1) is [var known] ? known : Dim.Unknown;
            shape = input.Select((d, i) => i == axis ? k : d).ToArray();
        }
        c.SetOutput(0, c.Type(0), shape);
        c.SetOutput(1, ElementType.Int64, shape);
    }

    private static void Gather(ShapeRuleContext c)
    {
        var data = c.Shape(0);
        var indices = c.Shape(1);
        if (data is null || indices is null) { c.SetOutput(0, c.Type(0), null); return; }
        int axis = c.Axis(c.Int("axis", 0), data.Count);
        c.SetOutput(0, c.Type(0), [.. data.Take(axis), .. indices, .. data.Skip(axis + 1)]);
        if (axis == 0 && c.Contents(0) is { } values && c.Ints(1) is { } picks && picks.All(p => p >= -values.Count && p < values.Count))
            c.SetContents(0, picks.Select(p => values[(int)(p < 0 ? p + values.Count : p)]).ToArray());
    }

    private static void Slice(ShapeRuleContext c)
    {
        var data = c.Shape(0);
        if (data is null) { c.SetOutput(0, c.Type(0), null); return; }
        // Opset 1-9 carried starts/ends/axes as attributes; later opsets as inputs 1-4.
        var starts = KnownOrContents(c, "starts", 1);
        var ends = KnownOrContents(c, "ends", 2);
        var axes = c.AttributeOrInputInts("axes", 3);
        var steps = c.HasInput(4) ? c.Ints(4) : starts is null ? null : Enumerable.Repeat(1L, starts.Count).ToArray();
        if (starts is null || ends is null || steps is null || (axes is null && (c.HasInput(3) || c.Node.Attributes.ContainsKey("axes"))))
        {
            c.SetOutput(0, c.Type(0), ShapeRuleContext.UnknownDims(data.Count));
            return;
        }
        axes ??= Enumerable.Range(0, starts.Count).Select(i => (long)i).ToArray();
        var output = data.ToArray();
        for (int k = 0; k < axes.Length; k++)
        {
            int axis = c.Axis(axes[k], data.Count);
            output[axis] = SlicedDim(data[axis], starts[k], ends[k], steps[k]);
        }
        c.SetOutput(0, c.Type(0), output);

        if (data.Count == 1 && c.Contents(0) is { } values && starts[0].IsKnown && ends[0].IsKnown)
        {
            var (from, count) = SliceRange(values.Count, starts[0].Value!.Value, ends[0].Value!.Value, steps[0]);
            c.SetContents(0, Enumerable.Range(0, (int)count).Select(i => values[(int)(from + i * steps[0])]).ToArray());
        }
    }

    private static IReadOnlyList<Dim>? KnownOrContents(ShapeRuleContext c, string attribute, int input) =>
        c.Node.IntsAttribute(attribute) is { } ints ? ints.Select(Dim.Known).ToArray() : c.Contents(input);

    private static Dim SlicedDim(Dim dim, Dim start, Dim end, long step)
    {
        if (dim.IsKnown && start.IsKnown && end.IsKnown)
            return Dim.Known(SliceRange(dim.Value!.Value, start.Value!.Value, end.Value!.Value, step).Count);
        if (step != 1 || start.Value != 0) return Dim.Unknown;
        if (end.Value >= ToTheEnd) return dim;
        // [0:sequence] of a table at least that long (position ids): the symbol itself.
        return end.Symbol is not null ? end : Dim.Unknown;
    }

    /// <summary>First index and element count of <c>[start:end:step]</c> on a dim of <paramref name="size"/>, clamped as ONNX specifies.</summary>
    private static (long Start, long Count) SliceRange(long size, long start, long end, long step)
    {
        if (step == 0) throw new ArgumentException("slice step is 0");
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return (start, Math.Max(0, (end - start + step - 1) / step));
        }
        start = Math.Clamp(start, 0, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        return (start, Math.Max(0, (start - end - step - 1) / -step));
    }

    private static void Split(ShapeRuleContext c)
    {
        var input = c.Shape(0);
        int outputs = c.Node.Outputs.Count;
        if (input is null) { for (int i = 0; i < outputs; i++) c.SetOutput(i, c.Type(0), null); return; }
        int axis = c.Axis(c.Int("axis", 0), input.Count);
        var sizes = c.AttributeOrInputInts("split", 1);
        for (int i = 0; i < outputs; i++)
        {
            Dim piece = Dim.Unknown;
            if (sizes is not null) piece = sizes[i];
            else if (input[axis].Value is long total)
            {
                // Equal pieces, the last one smaller when the size does not divide (opset 18 num_outputs rule).
                long each = (total + outputs - 1) / outputs;
                piece = Math.Min(each, total - each * i);
            }
            var shape = input.ToArray();
            shape[axis] = piece;
            c.SetOutput(i, c.Type(0), shape);
        }
    }

    private static void Compress(ShapeRuleContext c)
    {
        // How many slices the condition keeps is only known at run time; without an axis the input is flattened.
        var input = c.Shape(0);
        if (!c.Node.Attributes.ContainsKey("axis")) { c.SetOutput(0, c.Type(0), [Dim.Unknown]); return; }
        if (input is null) { c.SetOutput(0, c.Type(0), null); return; }
        int axis = c.Axis(c.Int("axis", 0), input.Count);
        c.SetOutput(0, c.Type(0), input.Select((d, i) => i == axis ? Dim.Unknown : d).ToArray());
    }

    private static void OneHot(ShapeRuleContext c)
    {
        var indices = c.Shape(0);
        var type = c.Type(2);
        if (indices is null) { c.SetOutput(0, type, null); return; }
        int rank = indices.Count + 1;
        int axis = c.Axis(c.Int("axis", -1), rank);
        var depth = c.Contents(1) is [var d] ? d : Dim.Unknown;
        c.SetOutput(0, type, [.. indices.Take(axis), depth, .. indices.Skip(axis)]);
    }
}
