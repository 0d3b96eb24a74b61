using OrtAgent.Onnx;

namespace OrtAgent.Training;

/// <summary>Makes a computed value a graph output under an exact, documented name.</summary>
internal static class GraphOutputs
{
    /// <summary>
    /// Adds an Identity of <paramref name="value"/> named exactly <paramref name="name"/> and declares it an output.
    /// An Identity rather than a rename, because the value may feed other nodes or outputs under its own name;
    /// ONNX Runtime removes the Identity when it optimises the graph.
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph already has a value named <paramref name="name"/>.</exception>
    public static Value Expose(Graph graph, Value value, string name, ElementType type, IReadOnlyList<Dim>? shape)
    {
        if (graph.ValuesByName().ContainsKey(name))
            throw new InvalidOperationException($"Graph '{graph.Name}' already has a value named '{name}'.");
        var output = graph.Identity(value);
        // Claim the name so later generated names avoid it. The claim may already exist without a value
        // (a value that held the name was renamed), which is why the check above looks at values, not claims.
        graph.UniqueValueName(name);
        output.Name = name;
        output.Type = type;
        output.Shape = shape;
        graph.AddOutput(output);
        return output;
    }
}
