namespace OrtAgent.Onnx.Transforms;

/// <summary>
/// Replaces the decomposed layer norm that opset-11/13 exporters emit —
/// <c>u = ReduceMean(x); d = x − u; s = Sqrt(ReduceMean(d²) + eps); y = d / s · γ + β</c> — with one
/// <c>LayerNormalization</c> node (opset 17). Nine forward nodes become one, and the backward pass can reuse the
/// node's saved mean and inverse standard deviation instead of differentiating nine ops.
/// </summary>
public static class LayerNormalizationFusion
{
    /// <summary>Fuses every matching pattern in place; returns how many were fused.</summary>
    /// <exception cref="InvalidOperationException">The graph's opset is below 17.</exception>
    public static int Apply(Graph graph)
    {
        if (graph.OpsetVersion < 17)
            throw new InvalidOperationException($"LayerNormalization needs opset 17; graph '{graph.Name}' is at {graph.OpsetVersion}.");
        int fused = 0;
        var consumers = graph.Consumers();
        foreach (var mean in graph.Nodes.Where(IsLastAxisMean).ToList())
        {
            if (TryMatch(mean, consumers) is not { } match || match.Intermediates.Any(graph.Outputs.Contains)) continue;
            var (y, _, _) = graph.LayerNormalization(match.X, match.Gamma, match.Beta, -1, (float)match.Epsilon);
            graph.Substitute(match.Output, y);
            fused++;
        }
        if (fused > 0)
        {
            graph.RemoveUnused();
            graph.TopologicalSort();
        }
        return fused;
    }

    private sealed record Match(Value X, Value Gamma, Value Beta, double Epsilon, Value Output, Value[] Intermediates);

    private static Match? TryMatch(Node mean, Dictionary<Value, List<Node>> consumers)
    {
        var x = mean.Inputs[0]!;
        var sub = Single(consumers, mean.Outputs[0]);
        if (sub is not { OpType: "Sub" } || sub.Inputs[0] != x) return null;
        var diff = sub.Outputs[0];
        if (!consumers.TryGetValue(diff, out var diffReaders) || diffReaders.Count != 2) return null;
        var pow = diffReaders.FirstOrDefault(n => n.OpType == "Pow" && ConstantValues.IsScalar(n.Inputs[1], 2));
        var div = diffReaders.FirstOrDefault(n => n.OpType == "Div" && n.Inputs[0] == diff);
        if (pow is null || div is null) return null;
        var variance = Single(consumers, pow.Outputs[0]);
        if (variance is null || !IsLastAxisMean(variance)) return null;
        var addEps = Single(consumers, variance.Outputs[0]);
        if (addEps is not { OpType: "Add" } || ConstantValues.TryGetScalar(OtherInput(addEps, variance.Outputs[0])) is not double eps) return null;
        var sqrt = Single(consumers, addEps.Outputs[0]);
        if (sqrt is not { OpType: "Sqrt" } || div.Inputs[1] != sqrt.Outputs[0] || Single(consumers, sqrt.Outputs[0]) != div) return null;
        var scale = Single(consumers, div.Outputs[0]);
        if (scale is not { OpType: "Mul" } || OtherInput(scale, div.Outputs[0]) is not { Initializer.Rank: 1 } gamma) return null;
        var shift = Single(consumers, scale.Outputs[0]);
        if (shift is not { OpType: "Add" } || OtherInput(shift, scale.Outputs[0]) is not { Initializer.Rank: 1 } beta) return null;
        Value[] intermediates = [mean.Outputs[0], diff, pow.Outputs[0], variance.Outputs[0], addEps.Outputs[0], sqrt.Outputs[0], div.Outputs[0], scale.Outputs[0]];
        return new Match(x, gamma, beta, eps, shift.Outputs[0], intermediates);
    }

    private static bool IsLastAxisMean(Node n) =>
        n is { OpType: "ReduceMean", Domain: "" } && n.IntsAttribute("axes") is [-1] && n.IntAttribute("keepdims", 1) == 1;

    private static Node? Single(Dictionary<Value, List<Node>> consumers, Value v) =>
        consumers.TryGetValue(v, out var list) && list.Count == 1 ? list[0] : null;

    private static Value? OtherInput(Node binary, Value known) =>
        binary.Inputs.Count == 2 ? (binary.Inputs[0] == known ? binary.Inputs[1] : binary.Inputs[1] == known ? binary.Inputs[0] : null) : null;
}
