using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Bench;

/// <summary>What <see cref="FlopCounter"/> found in one graph.</summary>
/// <remarks>MatMulFlops: 2·M·N·K summed over every MatMul and Gemm (batched MatMuls count each batch).
/// MatMulNodes: MatMul and Gemm nodes counted.
/// Unresolved: MatMul/Gemm nodes whose shapes stayed unknown after binding (not counted).
/// OtherElements: elements written by every other node, a rough count of elementwise work at one op per element.
/// UninferredNodes: nodes shape inference could not type (no rule, or an input left unknown by one).</remarks>
public sealed record FlopCount(double MatMulFlops, int MatMulNodes, int Unresolved, double OtherElements, int UninferredNodes)
{
    /// <summary>Nodes by op type, for seeing what the graph is made of.</summary>
    public IReadOnlyDictionary<string, int> OpTypes { get; init; } = new Dictionary<string, int>();

    /// <summary>The MatMul/Gemm nodes left uncounted, with what shape inference knew of them.</summary>
    public IReadOnlyList<string> UnresolvedNodes { get; init; } = [];
}

/// <summary>
/// Counts the arithmetic of an ONNX graph from shapes: binds the symbolic input dims (batch, sequence) to numbers,
/// runs OrtAgent's shape inference, then sums 2·M·N·K per MatMul/Gemm.
/// </summary>
public static class FlopCounter
{
    /// <summary>Counts <paramref name="modelPath"/> with the symbols <c>batch</c>, <c>sequence</c> and <c>input_ids</c>'s two dims bound to <paramref name="batch"/> and <paramref name="sequence"/>.</summary>
    public static FlopCount Count(string modelPath, long batch, long sequence)
    {
        var model = OnnxModel.Load(modelPath);
        var g = model.Graph;
        var symbols = new Dictionary<string, long>(StringComparer.Ordinal) { ["batch"] = batch, ["sequence"] = sequence };
        if (g.Inputs.FirstOrDefault(v => v.Name == ModelContract.InputIds)?.Shape is [var b, var s])
        {
            if (b.Symbol is not null) symbols[b.Symbol] = batch;
            if (s.Symbol is not null) symbols[s.Symbol] = sequence;
        }
        foreach (var input in g.Inputs)
            if (input.Shape is not null)
                input.Shape = input.Shape.Select(d => !d.IsKnown && d.Symbol is not null && symbols.TryGetValue(d.Symbol, out var v) ? Dim.Known(v) : d).ToArray();
        // Declared intermediate shapes would keep the symbols; start every computed value from nothing.
        foreach (var node in g.Nodes)
            foreach (var output in node.Outputs) output.Shape = null;
        // The backward's un-broadcasting computes its ReduceSum axes at run time (NonZero(Equal(Shape(x), 1))); OrtAgent's
        // shape inference has no rule for NonZero, so with every dim bound those small integer tensors are evaluated here
        // and handed back as constants. Anything still unknown is counted as unresolved instead of stopping the count.
        var inference = ShapeInference.For(g);
        var integers = new Dictionary<Value, long[]>();
        int uninferred = 0;
        foreach (var node in g.Nodes)
        {
            bool inferred = true;
            try
            {
                inference.InferNode(node);
            }
            catch (InvalidOperationException)
            {
                inferred = false;
            }
            if (!Evaluate(node, inference, integers) && !inferred) uninferred++;
        }

        double flops = 0, other = 0;
        int counted = 0, unresolved = 0;
        var unresolvedNodes = new List<string>();
        foreach (var node in g.Nodes)
        {
            if (node.OpType is "MatMul" or "Gemm")
            {
                var a = node.Inputs[0]?.Shape;
                var y = node.Outputs[0].Shape;
                if (a is null || y is null || a.Any(d => !d.IsKnown) || y.Any(d => !d.IsKnown))
                {
                    unresolved++;
                    unresolvedNodes.Add($"{node.Describe()}: {node.Inputs[0]} x {node.Inputs[1]} -> {node.Outputs[0]}");
                    continue;
                }
                long k = node.OpType == "Gemm" && node.IntAttribute("transA", 0) != 0 ? a[0].Value!.Value : a[^1].Value!.Value;
                if (a.Count == 1) k = a[0].Value!.Value;
                flops += 2.0 * Elements(y) * k;
                counted++;
            }
            else
            {
                foreach (var output in node.Outputs)
                    if (output.Shape is { } shape && shape.All(d => d.IsKnown)) other += Elements(shape);
            }
        }
        return new FlopCount(flops, counted, unresolved, other, uninferred)
        {
            OpTypes = g.Nodes.GroupBy(n => n.OpType).OrderByDescending(x => x.Count()).ToDictionary(x => x.Key, x => x.Count()),
            UnresolvedNodes = unresolvedNodes,
        };
    }

    /// <summary>Evaluates Equal, NonZero and Reshape on small known integer tensors; true when it did.</summary>
    private static bool Evaluate(Node node, ShapeInference inference, Dictionary<Value, long[]> integers)
    {
        long[]? Known(Value? v) => v is null ? null : integers.TryGetValue(v, out var x) ? x
            : inference.ContentsOf(v) is { } c && c.All(d => d.IsKnown) ? c.Select(d => d.Value!.Value).ToArray() : null;
        var output = node.Outputs.Count > 0 ? node.Outputs[0] : null;
        if (output is null) return false;
        switch (node.OpType)
        {
            case "Equal" when Known(node.Input(0)) is { } a && Known(node.Input(1)) is { } b && (b.Length == 1 || a.Length == b.Length):
                integers[output] = a.Select((x, i) => x == b[b.Length == 1 ? 0 : i] ? 1L : 0L).ToArray();
                return true;
            case "NonZero" when Known(node.Input(0)) is { } x:
                var indices = Enumerable.Range(0, x.Length).Where(i => x[i] != 0).Select(i => (long)i).ToArray();
                integers[output] = indices;
                output.Type = ElementType.Int64;
                output.Shape = [Dim.Known(1), Dim.Known(indices.Length)];
                return true;
            case "Reshape" when node.Inputs[0]!.Producer?.OpType == "NonZero" && integers.TryGetValue(node.Inputs[0]!, out var data):
                integers[output] = data;
                output.Type = ElementType.Int64;
                output.Shape = [Dim.Known(data.Length)];
                output.Initializer = TensorData.Create<long>([data.Length], data);
                return true;
            default:
                return false;
        }
    }

    private static double Elements(IReadOnlyList<Dim> shape) => shape.Aggregate(1.0, (p, d) => p * d.Value!.Value);
}
