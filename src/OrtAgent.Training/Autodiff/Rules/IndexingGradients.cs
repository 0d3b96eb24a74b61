using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff.Rules;

/// <summary>Ops that select or assemble parts of tensors: Gather, Slice, Concat, Split.</summary>
internal static class IndexingGradients
{
    public static void Register(GradientRegistry r)
    {
        r.Register("Gather", Gather, nonDifferentiableInputs: [1]);
        r.Register("Slice", Slice, nonDifferentiableInputs: [1, 2, 3, 4]);
        r.Register("Concat", Concat);
        r.Register("Split", Split, nonDifferentiableInputs: [1]);
    }

    private static Value?[] Gather(GradientContext c)
    {
        // The embedding gradient: the rows of dY summed per index, in a zero table shaped like the data (repeated
        // indices accumulate). Another axis is moved to the front and back again.
        var g = c.Graph;
        var (data, indices, dy) = (c.I(0), c.I(1), c.GO(0));
        long axis = c.Node.IntAttribute("axis", 0);
        if (axis == 0) return [ScatterAddRows(c, data, indices, dy, c.ShapeOf(data), BackwardState.StaticShape(data))];
        if (c.RankOf(data) is not int r || c.RankOf(indices) is not int q)
            throw c.Unsupported("Gather on an axis other than 0 with unknown ranks");
        if (axis < 0) axis += r;
        // dY dims: data[:axis] + indices.shape + data[axis+1:]. Bring the index dims to the front.
        var toFront = Enumerable.Range((int)axis, q).Concat(Enumerable.Range(0, (int)axis)).Concat(Enumerable.Range((int)axis + q, r - 1 - (int)axis))
            .Select(i => (long)i).ToArray();
        var dyFront = g.Transpose(dy, toFront);
        // The data with `axis` moved to the front, and back.
        var dataPerm = new[] { axis }.Concat(Enumerable.Range(0, r).Where(i => i != axis).Select(i => (long)i)).ToArray();
        var inverse = new long[r];
        for (int i = 0; i < r; i++) inverse[dataPerm[i]] = i;
        long[]? staticDims = BackwardState.StaticShape(data) is { } d ? dataPerm.Select(i => d[i]).ToArray() : null;
        var frontShape = staticDims is not null ? c.Ints(staticDims) : g.Gather(c.ShapeOf(data), c.Ints(dataPerm));
        var table = ScatterAddRows(c, data, indices, dyFront, frontShape, staticDims);
        return [g.Transpose(table, inverse)];
    }

    // ONNX Runtime's CPU ScatterND with reduction="add" hands the updates to its threads in ranges and adds them into
    // the table unsynchronised: two threads adding to one row lose updates (the embedding tables' rows repeat in every
    // batch; the position and token-type rows in every sequence), and sums differ from run to run. So the rows are
    // summed per distinct index first: sorted by index, added up by a running sum in double (one pass per column, the
    // same every run, and exact enough that a run's sum is the difference of the running sum at its two ends), then
    // written with a plain ScatterND, whose indices are now distinct. Every op here has a CUDA kernel (Unique, the
    // obvious way to find the runs, has none and would put the gradient back on the CPU under the CUDA provider).
    private static Value ScatterAddRows(GradientContext c, Value data, Value indices, Value rows, Value tableShape, long[]? staticDims)
    {
        var g = c.Graph;
        var type = c.TypeOf(data) is var t && t != ElementType.Undefined ? t : c.T;
        var zeros = g.ConstantOfShape(tableShape, TensorData.ScalarOf(type, 0));
        var rowShape = staticDims is not null
            ? c.Ints([-1, .. staticDims.Skip(1)])
            : g.Concat(0, c.Ints(-1), g.Slice(tableShape, c.Ints(1), c.Ints(long.MaxValue)));
        // Gather counts negative indices from the end; -1 and n - 1 must meet in one run of rows.
        var flat = g.Reshape(indices, c.Ints(-1));
        flat = g.Where(g.Less(flat, c.Scalar(0, ElementType.Int64)), g.Add(flat, g.Gather(tableShape, c.Ints(0))), flat);
        var (sortedIndices, byIndex) = g.TopK(flat, g.Shape(flat), axis: 0, largest: false);
        var matrix = g.Reshape(g.Reshape(rows, rowShape), c.Ints(0, -1));
        var sorted = g.Gather(type == ElementType.Double ? matrix : g.Cast(matrix, ElementType.Double), byIndex);
        var running = g.CumSum(sorted, 0);
        // A run ends where the next sorted index differs; after the last comes -1, which no normalised index equals.
        var following = g.Concat(0, g.Slice(sortedIndices, c.Ints(1), c.Ints(long.MaxValue)), c.Ints(-1));
        var endsRun = g.Not(g.Equal(sortedIndices, following));
        var distinct = g.Compress(sortedIndices, endsRun, 0);
        var totals = g.Compress(running, endsRun, 0);
        // A run's sum is the running sum at its end less the running sum at the previous run's end (0 before the first).
        var zeroRow = g.ConstantOfShape(g.Concat(0, c.Ints(1), g.Slice(g.Shape(matrix), c.Ints(1), c.Ints(2))), TensorData.ScalarOf(ElementType.Double, 0));
        var sums = g.Sub(totals, g.Concat(0, zeroRow, g.Slice(totals, c.Ints(0), c.Ints(-1))));
        if (type != ElementType.Double) sums = g.Cast(sums, type);
        return g.ScatterND(zeros, g.Reshape(distinct, c.Ints(-1, 1)), g.Reshape(sums, rowShape));
    }

    private static Value?[] Slice(GradientContext c)
    {
        // Slice an index tensor the same way to learn which flat positions were taken, then scatter dY there.
        // This covers negative steps, any axes and run-time starts; the positions are distinct, so no reduction.
        var g = c.Graph;
        var x = c.I(0);
        var shape = c.ShapeOf(x);
        var count = g.Size(x);
        var positions = g.Reshape(g.Range(c.Scalar(0, ElementType.Int64), count, c.Scalar(1, ElementType.Int64)), shape);
        var inputs = c.Node.Inputs.ToArray();
        var taken = g.Op("Slice", [positions, .. inputs.Skip(1)]);
        var zeros = g.ConstantOfShape(g.Reshape(count, c.Ints(1)), TensorData.ScalarOf(c.T, 0));
        var flat = g.ScatterND(zeros, g.Reshape(taken, c.Ints(-1, 1)), g.Reshape(c.GO(0), c.Ints(-1)));
        return [g.Reshape(flat, shape)];
    }

    private static Value?[] Concat(GradientContext c)
    {
        // Split dY back into the inputs' extents along the axis.
        var g = c.Graph;
        long axis = c.Node.IntAttribute("axis", 0);
        var inputs = c.Node.Inputs.Select(i => i!).ToArray();
        long[]? sizes = inputs.Select(BackwardState.StaticShape).All(s => s is not null)
            ? inputs.Select(i => { var s = BackwardState.StaticShape(i)!; return s[axis < 0 ? axis + s.Length : axis]; }).ToArray()
            : null;
        var sizeValue = sizes is not null ? c.Ints(sizes)
            : g.Concat(0, inputs.Select(i => g.Gather(c.ShapeOf(i), c.Ints(axis))).ToArray());
        var node = g.AddNode("Split", [c.GO(0), sizeValue], inputs.Length, Graph.Attrs(("axis", axis)));
        return inputs.Select((_, k) => c.IsGradientRequired(k) ? node.Outputs[k] : null).ToArray();
    }

    private static Value?[] Split(GradientContext c)
    {
        // Concatenate the pieces' gradients, zeros for pieces no gradient reached.
        long axis = c.Node.IntAttribute("axis", 0);
        var pieces = Enumerable.Range(0, c.Node.Outputs.Count).Select(c.GO).ToArray();
        return [c.Graph.Concat(axis, pieces)];
    }
}
