using OrtAgent.Onnx;

namespace OrtAgent.Training.Autodiff;

/// <summary>
/// Reverse-mode differentiation of an ONNX graph, spelled entirely in standard forward ops so that stock
/// ONNX Runtime can run the result. The walk prunes to the nodes between the parameters and the loss, visits them in
/// reverse topological order (iteratively, so deep graphs do not recurse), asks each node's
/// <see cref="GradientRule"/> for one gradient per input, and sums gradients that fan in with one Sum node.
/// </summary>
public static class GradientBuilder
{
    /// <summary>
    /// Appends to <paramref name="graph"/> the nodes computing d(<paramref name="loss"/>)/d(p) for every parameter p,
    /// seeded with 1, and returns each parameter's gradient value (named <c>{p}_grad</c>, typed and shaped like p).
    /// The forward nodes are put in topological order first; they are otherwise left as they are, except that
    /// Dropout and LayerNormalization nodes may gain the optional outputs (mask, saved statistics) their rules read.
    /// </summary>
    /// <param name="graph">The forward graph; backward nodes are appended to it.</param>
    /// <param name="loss">A scalar floating-point value of <paramref name="graph"/>.</param>
    /// <param name="parameters">Floating-point graph inputs or initializers (any value works; leaves are usual).</param>
    /// <param name="options">Rules and policies; defaults when null.</param>
    /// <exception cref="InvalidOperationException">An op on the path has no rule, a gradient reaches a non-differentiable
    /// output, or (per <see cref="GradientBuilderOptions.UnreachableParameters"/>) the loss does not depend on a parameter.</exception>
    public static IReadOnlyDictionary<Value, Value> Build(Graph graph, Value loss, IReadOnlyList<Value> parameters,
        GradientBuilderOptions? options = null)
    {
        options ??= new GradientBuilderOptions();
        var registry = options.Registry ?? GradientRegistry.Default;
        if (graph.OpsetVersion < 13)
            throw new InvalidOperationException($"Gradients need opset 13 or later (ReduceSum with axes as input); graph '{graph.Name}' imports opset {graph.OpsetVersion}.");

        graph.TopologicalSort();
        var forward = graph.Nodes.ToList();
        var state = new BackwardState(graph);
        state.ObserveNewNodes();
        state.BackwardStart = graph.Nodes.Count;
        CheckTypes(state.Facts, loss, parameters);

        var sums = Walk(state, registry, forward, loss, parameters);
        var result = NameGradients(state, new HashSet<Node>(forward), sums, loss, parameters, options);
        // The backward pass reads forward shapes through Shape/Size nodes emitted while walking back; left at the end they
        // would keep every such forward activation alive through the whole backward pass.
        var backward = new HashSet<Node>(graph.Nodes.Skip(state.BackwardStart));
        graph.HoistToProducers(n => backward.Contains(n) && n.OpType is "Shape" or "Size" && n.Domain.Length == 0);
        return result;
    }

    /// <summary>Refuses a loss or parameter whose type is known and not floating point: it cannot have a gradient.</summary>
    private static void CheckTypes(ValueFacts facts, Value loss, IReadOnlyList<Value> parameters)
    {
        if (facts.TypeOf(loss) is var lossType && lossType != ElementType.Undefined && !ElementTypes.IsFloatingPoint(lossType))
            throw new InvalidOperationException($"The loss '{loss.Name}' is {lossType}; it must be floating point.");
        foreach (var p in parameters)
            if (facts.TypeOf(p) is var t && t != ElementType.Undefined && !ElementTypes.IsFloatingPoint(t))
                throw new InvalidOperationException($"Parameter '{p.Name}' is {t}; only floating-point values have gradients.");
    }

    /// <summary>
    /// Walks the pruned forward nodes from the loss back, appending each rule's backward nodes and recording every
    /// gradient contribution; returns the contributions, summed on demand.
    /// </summary>
    private static GradientSums Walk(BackwardState state, GradientRegistry registry, List<Node> forward, Value loss, IReadOnlyList<Value> parameters)
    {
        var graph = state.Graph;
        var active = Prune(forward, registry, state.Facts, loss, parameters, out var requiresGrad);
        var sums = new GradientSums(graph);
        sums.Contribute(loss, Seed(graph, state, loss));
        for (int n = forward.Count - 1; n >= 0; n--)
        {
            var node = forward[n];
            if (!active.Contains(node)) continue;
            var entry = registry.Find(node)!;
            if (OutputGradients(node, entry, sums) is not { } outputGradients) continue;
            var required = new bool[node.Inputs.Count];
            for (int i = 0; i < required.Length; i++)
                required[i] = node.Inputs[i] is { } input && entry.IsDifferentiableInput(i) && requiresGrad.Contains(input);
            var inputGradients = entry.Rule!(new GradientContext(state, node, outputGradients, required));
            state.ObserveNewNodes();
            for (int i = 0; i < required.Length; i++)
            {
                if (!required[i]) continue;
                var gi = i < inputGradients.Length ? inputGradients[i] : null;
                if (gi is null)
                    throw new InvalidOperationException($"The gradient rule for {node.Describe()} gave no gradient for input {i} ('{node.Inputs[i]!.Name}'), which needs one.");
                sums.Contribute(node.Inputs[i]!, gi);
            }
        }
        return sums;
    }

    /// <summary>The summed gradient of each output of <paramref name="node"/>, or null when none reached any output.</summary>
    private static Value?[]? OutputGradients(Node node, GradientRuleEntry entry, GradientSums sums)
    {
        var outputGradients = new Value?[node.Outputs.Count];
        bool any = false;
        for (int k = 0; k < node.Outputs.Count; k++)
        {
            outputGradients[k] = sums.Total(node.Outputs[k]);
            if (outputGradients[k] is null) continue;
            if (Array.IndexOf(entry.NonDifferentiableOutputs, k) >= 0)
                throw new InvalidOperationException(
                    $"A gradient reached output {k} ('{node.Outputs[k].Name}') of {node.Describe()}, which must not be asked for one.");
            any = true;
        }
        return any ? outputGradients : null;
    }

    /// <summary>
    /// Gives every parameter its own gradient value named <c>{p}_grad</c>, typed and shaped like p (zeros for an
    /// unreachable one, when the policy allows it), and exposes them as outputs when asked.
    /// </summary>
    private static Dictionary<Value, Value> NameGradients(BackwardState state, HashSet<Node> forwardSet, GradientSums sums, Value loss,
        IReadOnlyList<Value> parameters, GradientBuilderOptions options)
    {
        var graph = state.Graph;
        var result = new Dictionary<Value, Value>();
        var claimed = new HashSet<Value>();
        foreach (var p in parameters)
        {
            var grad = sums.Total(p);
            if (grad is null)
            {
                if (options.UnreachableParameters == UnreachableParameterPolicy.Throw)
                    throw new InvalidOperationException($"The loss '{loss.Name}' does not depend on parameter '{p.Name}'.");
                var type = state.Facts.TypeOf(p);
                grad = state.ZerosLike(p, type == ElementType.Undefined ? ElementType.Float : type);
            }
            // A gradient that is some other value (the seed, a forward value, another parameter's gradient) gets its own name.
            bool ownedByBackward = grad.Producer is { } producer && !forwardSet.Contains(producer) && !claimed.Contains(grad);
            if (!ownedByBackward) grad = graph.Identity(grad);
            claimed.Add(grad);
            grad.Name = graph.UniqueValueName($"{p.Name}_grad");
            grad.Type = state.Facts.TypeOf(p);
            grad.Shape = p.Shape ?? p.Initializer?.Dims.Select(Dim.Known).ToArray();
            if (options.AddGradientOutputs) graph.AddOutput(grad);
            result[p] = grad;
        }
        return result;
    }

    private static Value Seed(Graph graph, BackwardState state, Value loss)
    {
        var type = state.Facts.TypeOf(loss) is var t && t != ElementType.Undefined ? t : ElementType.Float;
        return state.Facts.RankOf(loss) == 0
            ? state.Scalar(type, 1)
            : graph.ConstantOfShape(state.ShapeOf(loss), TensorData.ScalarOf(type, 1));
    }

    /// <summary>
    /// The nodes on a differentiable path from a parameter to the loss. <paramref name="requiresGrad"/> receives every
    /// value that depends differentiably on a parameter.
    /// </summary>
    private static HashSet<Node> Prune(List<Node> forward, GradientRegistry registry, ValueFacts facts, Value loss,
        IReadOnlyList<Value> parameters, out HashSet<Value> requiresGrad)
    {
        var dependent = new HashSet<Value>(parameters);
        requiresGrad = dependent;
        foreach (var node in forward)
        {
            var entry = registry.Find(node);
            // Unknown ops pass dependence through, so that a missing rule on the path is reported, not skipped.
            if (entry is not null && !entry.CarriesGradient(node)) continue;
            bool depends = false;
            for (int i = 0; i < node.Inputs.Count && !depends; i++)
                depends = node.Inputs[i] is { } input && (entry?.IsDifferentiableInput(i) ?? true) && dependent.Contains(input);
            if (!depends) continue;
            foreach (var output in node.Outputs)
                if (facts.TypeOf(output) is var t && (t == ElementType.Undefined || ElementTypes.IsFloatingPoint(t)))
                    dependent.Add(output);
        }

        var leadsToLoss = new HashSet<Value> { loss };
        var active = new HashSet<Node>();
        for (int n = forward.Count - 1; n >= 0; n--)
        {
            var node = forward[n];
            if (!node.Outputs.Any(o => leadsToLoss.Contains(o) && dependent.Contains(o))) continue;
            if (registry.Find(node) is null)
                throw new InvalidOperationException(
                    $"No gradient rule for op '{node.OpType}' (node '{node.Name}'); it lies between a parameter and the loss. " +
                    "Register one in a registry from GradientRegistry.CreateDefault() and pass it as GradientBuilderOptions.Registry.");
            active.Add(node);
            foreach (var input in node.Inputs)
                if (input is not null) leadsToLoss.Add(input);
        }
        return active;
    }

    /// <summary>Gradient contributions per value; a value's total is one Sum node, made once, when first asked for.</summary>
    private sealed class GradientSums(Graph graph)
    {
        private readonly Dictionary<Value, List<Value>> _contributions = [];
        private readonly Dictionary<Value, Value> _summed = [];

        public void Contribute(Value target, Value gradient)
        {
            if (!_contributions.TryGetValue(target, out var list)) _contributions[target] = list = [];
            list.Add(gradient);
        }

        public Value? Total(Value v)
        {
            if (_summed.TryGetValue(v, out var total)) return total;
            if (!_contributions.TryGetValue(v, out var list)) return null;
            total = graph.Sum(list);
            if (list.Count > 1) total.Type = list[0].Type;
            return _summed[v] = total;
        }
    }
}
