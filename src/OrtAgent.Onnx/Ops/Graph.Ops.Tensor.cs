namespace OrtAgent.Onnx;

// Shape, indexing, reduction and training-support operators. Where ONNX changed an operator's signature
// between opsets (axes as attribute or input), the spelling follows this graph's OpsetVersion.
public sealed partial class Graph
{
    /// <summary>
    /// <paramref name="x"/> with the 1-D int64 <paramref name="shape"/>: 0 copies the input's dimension, −1 is inferred from the
    /// rest. The element count must not change.
    /// </summary>
    public Value Reshape(Value x, Value shape) => Op("Reshape", x, shape);

    /// <summary>Reshape to a constant <paramref name="shape"/> (0 copies the input's dimension, −1 is inferred).</summary>
    public Value Reshape(Value x, params long[] shape) => Reshape(x, Int64s(shape));

    /// <summary>Permutes the axes: output axis i is input axis <c>perm[i]</c>; <paramref name="perm"/> must name every axis once.</summary>
    public Value Transpose(Value x, params long[] perm) => Op("Transpose", [x], Attrs(("perm", perm)));

    /// <summary>Converts every element to <paramref name="to"/>.</summary>
    public Value Cast(Value x, ElementType to) => Op("Cast", [x], Attrs(("to", (long)to)));

    /// <summary>The shape of <paramref name="x"/> as a 1-D int64 tensor.</summary>
    public Value Shape(Value x) => Op("Shape", x);

    /// <summary>Dimensions <paramref name="start"/> up to (excluding) <paramref name="end"/> of the shape, as 1-D int64 (opset 15+); negative indices count from the end, null <paramref name="end"/> runs to the last.</summary>
    public Value Shape(Value x, long start, long? end = null) =>
        Op("Shape", [x], Attrs(("start", start), ("end", end is long e ? e : null)));

    /// <summary>The element count of <paramref name="x"/> as an int64 scalar.</summary>
    public Value Size(Value x) => Op("Size", x);

    /// <summary>Indices of the non-zero elements, shaped [rank, count].</summary>
    public Value NonZero(Value x) => Op("NonZero", x);

    /// <summary>Reshapes to 2-D: dims before <paramref name="axis"/> become rows, the rest columns.</summary>
    public Value Flatten(Value x, long axis = 1) => Op("Flatten", [x], Attrs(("axis", axis)));

    /// <summary>Broadcasts <paramref name="x"/> to the 1-D int64 <paramref name="shape"/> (numpy rules; dimensions of 1 in <paramref name="shape"/> keep the input's).</summary>
    public Value Expand(Value x, Value shape) => Op("Expand", x, shape);

    /// <summary>Entries of <paramref name="data"/> along <paramref name="axis"/> at the int32/int64 <paramref name="indices"/> (negative counts from the end); the output replaces that axis with the indices' shape.</summary>
    public Value Gather(Value data, Value indices, long axis = 0) => Op("Gather", [data, indices], Attrs(("axis", axis)));

    /// <summary>Per-element gather along <paramref name="axis"/>: the output has <paramref name="indices"/>' shape and takes <c>data[…, indices[i], …]</c> at each position.</summary>
    public Value GatherElements(Value data, Value indices, long axis) => Op("GatherElements", [data, indices], Attrs(("axis", axis)));

    /// <summary>Joins <paramref name="inputs"/> along <paramref name="axis"/>; every other dimension must match.</summary>
    public Value Concat(long axis, params Value[] inputs) => Op("Concat", inputs, Attrs(("axis", axis)));

    /// <summary>A tensor of the 1-D int64 <paramref name="shape"/>, every element <paramref name="scalar"/>'s one value and type.</summary>
    public Value ConstantOfShape(Value shape, TensorData scalar) =>
        Op("ConstantOfShape", [shape], Attrs(("value", TensorData.FromBytes(scalar.Type, [1], scalar.Bytes.ToArray()))));

    /// <summary>
    /// The elements from <paramref name="starts"/> up to (excluding) <paramref name="ends"/> on each of <paramref name="axes"/> (all axes
    /// in order when null), stepping by <paramref name="steps"/> (1 when null); all are 1-D int64, indices clamp to the dimension and
    /// negative ones count from the end.
    /// </summary>
    public Value Slice(Value x, Value starts, Value ends, Value? axes = null, Value? steps = null) =>
        Op("Slice", steps is not null ? [x, starts, ends, axes, steps] : axes is not null ? [x, starts, ends, axes] : [x, starts, ends]);

    /// <summary>Inserts dimensions of size 1 at <paramref name="axes"/> (positions in the output); spelled for the graph's opset.</summary>
    public Value Unsqueeze(Value x, params long[] axes) =>
        OpsetVersion >= 13 ? Op("Unsqueeze", x, Int64s(axes)) : Op("Unsqueeze", [x], Attrs(("axes", axes)));

    /// <summary>Removes the size-1 dimensions at <paramref name="axes"/>. Spelled for the graph's opset.</summary>
    public Value Squeeze(Value x, params long[] axes) =>
        OpsetVersion >= 13 ? Op("Squeeze", x, Int64s(axes)) : Op("Squeeze", [x], Attrs(("axes", axes)));

    /// <summary>Sum over the constant <paramref name="axes"/>, keeping them as size 1 when <paramref name="keepDims"/>; spelled for the graph's opset.</summary>
    public Value ReduceSum(Value x, long[] axes, bool keepDims = true) =>
        OpsetVersion >= 13 ? Op("ReduceSum", [x, Int64s(axes)], Attrs(("keepdims", keepDims ? 1L : 0L)))
                           : Op("ReduceSum", [x], Attrs(("axes", axes), ("keepdims", keepDims ? 1L : 0L)));

    /// <summary>ReduceSum over axes computed at run time (opset 13+); <paramref name="noopWithEmptyAxes"/> makes empty axes a no-op.</summary>
    public Value ReduceSum(Value x, Value axes, bool keepDims = true, bool noopWithEmptyAxes = true) =>
        Op("ReduceSum", [x, axes], Attrs(("keepdims", keepDims ? 1L : 0L), ("noop_with_empty_axes", noopWithEmptyAxes ? 1L : 0L)));

    /// <summary>Mean over <paramref name="axes"/>, keeping them as size 1 when <paramref name="keepDims"/>; spelled for the graph's opset.</summary>
    public Value ReduceMean(Value x, long[] axes, bool keepDims = true) => Reduce("ReduceMean", x, axes, keepDims);

    /// <summary>Maximum over <paramref name="axes"/>, keeping them as size 1 when <paramref name="keepDims"/>; spelled for the graph's opset.</summary>
    public Value ReduceMax(Value x, long[] axes, bool keepDims = true) => Reduce("ReduceMax", x, axes, keepDims);

    /// <summary>Sum of squares over <paramref name="axes"/>, keeping them as size 1 when <paramref name="keepDims"/>; spelled for the graph's opset.</summary>
    public Value ReduceSumSquare(Value x, long[] axes, bool keepDims = true) => Reduce("ReduceSumSquare", x, axes, keepDims);

    /// <summary>Sum of squares of every element, as a scalar.</summary>
    public Value ReduceSumSquareAll(Value x) => Op("ReduceSumSquare", [x], Attrs(("keepdims", 0L)));

    // ReduceMean/Max/SumSquare moved axes from attribute to input in opset 18.
    private Value Reduce(string op, Value x, long[] axes, bool keepDims) =>
        OpsetVersion >= 18 ? Op(op, [x, Int64s(axes)], Attrs(("keepdims", keepDims ? 1L : 0L)))
                           : Op(op, [x], Attrs(("axes", axes), ("keepdims", keepDims ? 1L : 0L)));

    /// <summary>
    /// ScatterND without a reduction: <paramref name="indices"/> must be distinct. There is deliberately no
    /// <c>reduction="add"</c>: ONNX Runtime's CPU kernel splits the updates over its threads and adds into the output
    /// without synchronisation, so repeated indices lose updates on more than one thread (see <c>IndexingGradients</c>).
    /// </summary>
    public Value ScatterND(Value data, Value indices, Value updates) => Op("ScatterND", data, indices, updates);

    /// <summary>
    /// One-hot encoding of <paramref name="indices"/> with <paramref name="depth"/> classes (a scalar), a new axis at <paramref name="axis"/>;
    /// <paramref name="values"/> is the 2-element [off, on] tensor that also fixes the output type. Negative indices count from <c>depth</c>.
    /// </summary>
    public Value OneHot(Value indices, Value depth, Value values, long axis = -1) =>
        Op("OneHot", [indices, depth, values], Attrs(("axis", axis)));

    /// <summary>
    /// The slices of <paramref name="x"/> along <paramref name="axis"/> where the 1-D bool <paramref name="condition"/>
    /// is true (opset 11); how many is only known at run time.
    /// </summary>
    public Value Compress(Value x, Value condition, long axis) => Op("Compress", [x, condition], Attrs(("axis", axis)));

    /// <summary>Running sum along <paramref name="axis"/>, each element included (opset 11).</summary>
    public Value CumSum(Value x, long axis) => Op("CumSum", x, Constant(TensorData.Create<long>([], [axis]), "axis"));

    /// <summary>
    /// TopK (opset 11): the <paramref name="k"/> largest (or smallest) elements along <paramref name="axis"/> and their
    /// positions; <paramref name="k"/> is a one-element int64 tensor.
    /// </summary>
    public (Value Values, Value Indices) TopK(Value x, Value k, long axis = -1, bool largest = true, bool sorted = true)
    {
        var node = AddNode("TopK", [x, k], 2, Attrs(("axis", axis), ("largest", largest ? 1L : 0L), ("sorted", sorted ? 1L : 0L)));
        return (node.Outputs[0], node.Outputs[1]);
    }

    /// <summary>The 1-D sequence <paramref name="start"/>, <c>start + delta</c>, … stopping before <paramref name="limit"/>; all three are scalars of one type.</summary>
    public Value Range(Value start, Value limit, Value delta) => Op("Range", start, limit, delta);

    /// <summary><paramref name="x"/> repeated <c>repeats[i]</c> times along each axis i; <paramref name="repeats"/> is 1-D int64 of length rank.</summary>
    public Value Tile(Value x, Value repeats) => Op("Tile", x, repeats);

    /// <summary>Dropout returning (output, mask); <paramref name="ratio"/> and <paramref name="training"/> are inputs (opset 12+).</summary>
    public (Value Output, Value Mask) Dropout(Value x, Value ratio, Value training, long? seed = null)
    {
        var node = AddNode("Dropout", [x, ratio, training], 2, Attrs(("seed", seed is long s ? s : null)));
        return (node.Outputs[0], node.Outputs[1]);
    }

    /// <summary>LayerNormalization (opset 17) returning output, mean and inverse standard deviation.</summary>
    public (Value Output, Value Mean, Value InvStdDev) LayerNormalization(Value x, Value scale, Value? bias, long axis = -1, float epsilon = 1e-5f)
    {
        var node = AddNode("LayerNormalization", [x, scale, bias], 3, Attrs(("axis", axis), ("epsilon", epsilon)));
        return (node.Outputs[0], node.Outputs[1], node.Outputs[2]);
    }

    /// <summary>Split along <paramref name="axis"/> into pieces of the given sizes (sizes as input from opset 13).</summary>
    public IReadOnlyList<Value> Split(Value x, long axis, params long[] sizes)
    {
        var node = OpsetVersion >= 13
            ? AddNode("Split", [x, Int64s(sizes)], sizes.Length, Attrs(("axis", axis)))
            : AddNode("Split", [x], sizes.Length, Attrs(("axis", axis), ("split", sizes)));
        return node.Outputs;
    }
}
