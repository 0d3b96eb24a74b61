namespace OrtAgent.Onnx;

/// <summary>
/// Rewrites a graph from its default-domain opset (11 or later) to a newer one, converting the operators whose
/// signature or semantics changed on the way: axes and split sizes moving from attributes to inputs
/// (Unsqueeze, Squeeze, ReduceSum, Split at 13; the other reductions at 18), Dropout's ratio becoming an input (12),
/// and Softmax/LogSoftmax/Hardmax switching from "flatten at axis" to "along axis" (13).
/// Training graphs are built at opset 17, which LayerNormalization needs.
/// </summary>
/// <remarks>
/// Only operators checked to mean the same in every opset from 11 to 18 (or converted here) are accepted;
/// anything else is rejected before the graph is touched, naming the operator, rather than silently changing meaning.
/// </remarks>
public static class OpsetUpgrader
{
    /// <summary>The oldest opset accepted as a source: attribute-form Clip and Pad (before 11) are not converted.</summary>
    public const long MinimumSourceOpset = 11;

    /// <summary>The newest target: opset 19 and later changed operators (Pad, Resize, Cast) whose conversion is not written.</summary>
    public const long MaximumTargetOpset = 18;

    /// <summary>Upgrades <paramref name="model"/>'s graph and raises its IR version to 8 (the IR of opsets 15-18) where lower.</summary>
    /// <exception cref="NotSupportedException">The model holds an operator this upgrader cannot convert; the message names it.</exception>
    public static void Upgrade(OnnxModel model, long targetOpset)
    {
        Upgrade(model.Graph, targetOpset);
        if (targetOpset >= 15 && model.IrVersion < 8) model.IrVersion = 8;
    }

    /// <summary>Rewrites <paramref name="graph"/> in place to <paramref name="targetOpset"/> of the default ONNX domain.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The source or target opset is outside what this upgrader handles.</exception>
    /// <exception cref="NotSupportedException">The graph holds an operator this upgrader cannot convert; the message names it.</exception>
    public static void Upgrade(Graph graph, long targetOpset)
    {
        long source = graph.OpsetVersion;
        if (source < MinimumSourceOpset)
            throw new ArgumentOutOfRangeException(nameof(graph), $"Graph '{graph.Name}' uses opset {source}; upgrading from below {MinimumSourceOpset} is not supported.");
        if (targetOpset < source || targetOpset > MaximumTargetOpset)
            throw new ArgumentOutOfRangeException(nameof(targetOpset),
                $"Cannot upgrade graph '{graph.Name}' from opset {source} to {targetOpset}: targets run from the current opset to {MaximumTargetOpset}.");
        if (targetOpset == source) return;

        foreach (var node in graph.Nodes)
            if (node.Domain.Length == 0 && !OpsetUpgradeRewrites.Accepts(node))
                throw new NotSupportedException(
                    $"cannot upgrade {node.Describe()} from opset {source} to {targetOpset}: OrtAgent does not convert '{node.OpType}'");

        new OpsetUpgradeRewrites(graph, source, targetOpset).Apply();
        graph.OpsetVersion = targetOpset;
    }
}
