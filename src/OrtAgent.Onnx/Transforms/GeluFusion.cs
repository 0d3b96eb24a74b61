namespace OrtAgent.Onnx.Transforms;

/// <summary>
/// Replaces the exact-erf GELU that exporters spell as <c>x · 0.5 · (1 + erf(x / √2))</c> (five nodes) with one
/// Gelu node: the ONNX operator at opset 20+, else ONNX Runtime's contrib <c>com.microsoft.Gelu</c>, which both its
/// CPU and CUDA providers implement.
/// </summary>
public static class GeluFusion
{
    /// <summary>ONNX Runtime's contrib operator domain, where the fused Gelu lives below opset 20.</summary>
    public const string ContribDomain = "com.microsoft";

    /// <summary>Fuses every matching pattern in place; returns how many were fused.</summary>
    public static int Apply(Graph graph)
    {
        int fused = 0;
        var consumers = graph.Consumers();
        foreach (var div in graph.Nodes.Where(n => n.OpType == "Div" && ConstantValues.IsScalar(n.Inputs[1], Math.Sqrt(2), 1e-4)).ToList())
        {
            var x = div.Inputs[0]!;
            if (Single(consumers, div.Outputs[0]) is not { OpType: "Erf" } erf) continue;
            if (Single(consumers, erf.Outputs[0]) is not { OpType: "Add" } plusOne || !ConstantValues.IsScalar(Other(plusOne, erf.Outputs[0]), 1)) continue;
            if (Single(consumers, plusOne.Outputs[0]) is not { OpType: "Mul" } first) continue;
            if (Single(consumers, first.Outputs[0]) is not { OpType: "Mul" } second) continue;
            // Exporters emit either (x · (1+erf)) · 0.5 or x · ((1+erf) · 0.5); both end in the second Mul.
            var firstOther = Other(first, plusOne.Outputs[0]);
            var secondOther = Other(second, first.Outputs[0]);
            bool matches = (firstOther == x && ConstantValues.IsScalar(secondOther, 0.5))
                || (ConstantValues.IsScalar(firstOther, 0.5) && secondOther == x);
            // A graph output among the intermediates must survive, so such a pattern stays as it is.
            if (!matches || new[] { div, erf, plusOne, first }.Any(n => graph.Outputs.Contains(n.Outputs[0]))) continue;
            var gelu = graph.OpsetVersion >= 20
                ? graph.Gelu(x)
                : graph.Op("Gelu", [x], null, ContribDomain);
            graph.Substitute(second.Outputs[0], gelu);
            fused++;
        }
        if (fused > 0)
        {
            if (graph.OpsetVersion < 20) graph.Opsets.TryAdd(ContribDomain, 1);
            graph.RemoveUnused();
            graph.TopologicalSort();
        }
        return fused;
    }

    private static Node? Single(Dictionary<Value, List<Node>> consumers, Value v) =>
        consumers.TryGetValue(v, out var list) && list.Count == 1 ? list[0] : null;

    private static Value? Other(Node binary, Value known) =>
        binary.Inputs.Count == 2 ? (binary.Inputs[0] == known ? binary.Inputs[1] : binary.Inputs[1] == known ? binary.Inputs[0] : null) : null;
}
