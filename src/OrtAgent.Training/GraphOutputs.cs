using OrtAgent.Onnx;

namespace OrtAgent.Training;

/// <summary>Makes a computed value a graph output under an exact, documented name.</summary>
internal static class GraphOutputs
{
    /// <summary>
    /// Declares <paramref name="value"/> an output named exactly <paramref name="name"/>. A value computed by a node is
    /// renamed in place (its consumers refer to the value, not its name); graph inputs, initializers and values already
    /// exposed under another name go through an Identity, which ONNX Runtime keeps at run time whenever the value also
    /// feeds other nodes (the optimizer graphs' moments did: 206 copies per step).
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph already has a value named <paramref name="name"/>.</exception>
    public static Value Expose(Graph graph, Value value, string name, ElementType type, IReadOnlyList<Dim>? shape)
    {
        if (graph.ValuesByName().ContainsKey(name))
            throw new InvalidOperationException($"Graph '{graph.Name}' already has a value named '{name}'.");
        var output = value.Producer is not null && !graph.Outputs.Contains(value) ? value : graph.Identity(value);
        // Claim the name so later generated names avoid it. The claim may already exist without a value (a value that
        // held the name was renamed), which is why the check above looks at values, not claims.
        graph.UniqueValueName(name);
        output.Name = name;
        output.Type = type;
        output.Shape = shape;
        graph.AddOutput(output);
        return output;
    }
}
