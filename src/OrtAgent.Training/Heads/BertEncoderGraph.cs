using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Heads;

/// <summary>
/// A BERT-family encoder graph as exported by Hugging Face / sentence-transformers (MiniLM, Arctic, BERT):
/// finds its inputs, its token-state output and its pooler output if it has one, and gives the linear-layer
/// weights their PyTorch names. Wraps the graph; it does not copy it, and edits it in place.
/// </summary>
/// <remarks>
/// Exporters name the transposed weights of <c>nn.Linear</c> layers anonymously (<c>onnx::MatMul_788</c>, <c>927</c>),
/// which would make checkpoints unreadable and freeze patterns such as <c>encoder.layer.0.*</c> miss them.
/// Each such weight feeds a MatMul whose output is added to the layer's bias, which does carry the PyTorch name,
/// so <c>X.bias</c> names its weight <c>X.weight</c>. The weight stays stored <c>[in, out]</c> as MatMul reads it
/// (PyTorch's <c>nn.Linear.weight</c> is its transpose).
/// </remarks>
public sealed class BertEncoderGraph
{
    private BertEncoderGraph(Graph graph) => Graph = graph;

    /// <summary>The graph the encoder was recognised in; heads and losses are appended to it. Shared, not copied.</summary>
    public Graph Graph { get; }

    /// <summary>Int64 token ids <c>[batch, sequence]</c>.</summary>
    public required Value InputIds { get; init; }

    /// <summary>Int64 mask <c>[batch, sequence]</c>, 1 for real tokens and 0 for padding.</summary>
    public required Value AttentionMask { get; init; }

    /// <summary>Int64 segment ids, when the base model takes them.</summary>
    public Value? TokenTypeIds { get; init; }

    /// <summary>Float token states <c>[batch, sequence, hidden]</c>.</summary>
    public required Value LastHiddenState { get; init; }

    /// <summary>The base model's pooler output <c>[batch, hidden]</c>, or null when it has none.</summary>
    public Value? PoolerOutput { get; init; }

    /// <summary>Width of the token states: the last dimension of <see cref="LastHiddenState"/>.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>How many anonymous linear weights were given PyTorch names.</summary>
    public int RenamedWeights { get; init; }

    /// <summary>Recognises the encoder in <paramref name="graph"/> and names its linear weights.</summary>
    /// <exception cref="UserInputException">The graph does not look like a BERT-family encoder.</exception>
    public static BertEncoderGraph Attach(Graph graph)
    {
        var inputIds = FindInput(graph, ModelContract.InputIds) ?? throw NotAnEncoder(graph, $"it has no '{ModelContract.InputIds}' input");
        var mask = FindInput(graph, ModelContract.AttentionMask) ?? throw NotAnEncoder(graph, $"it has no '{ModelContract.AttentionMask}' input");
        var hidden = graph.Outputs.FirstOrDefault(o => o.Name == ModelContract.LastHiddenState)
            ?? graph.Outputs.FirstOrDefault(o => o.Rank == 3)
            ?? throw NotAnEncoder(graph, $"it has no '{ModelContract.LastHiddenState}' output of rank 3");
        var pooler = graph.Outputs.FirstOrDefault(o => o != hidden && o.Name == "pooler_output")
            ?? graph.Outputs.FirstOrDefault(o => o != hidden && o.Producer?.OpType == "Tanh");
        int renamed = NameLinearWeights(graph);
        return new BertEncoderGraph(graph)
        {
            InputIds = inputIds,
            AttentionMask = mask,
            TokenTypeIds = FindInput(graph, ModelContract.TokenTypeIds),
            LastHiddenState = hidden,
            PoolerOutput = pooler,
            HiddenSize = HiddenSizeOf(graph, hidden),
            RenamedWeights = renamed,
        };
    }

    private static Value? FindInput(Graph graph, string name) => graph.Inputs.FirstOrDefault(i => i.Name == name);

    private static int HiddenSizeOf(Graph graph, Value hidden)
    {
        if (hidden.Shape is { Count: 3 } shape && shape[2].Value is long known) return (int)known;
        // Exporters often leave the last dim symbolic; the final LayerNorm's bias (an input of the producing Add) has it.
        var fromProducer = hidden.Producer?.Inputs.FirstOrDefault(i => i?.Initializer is { Rank: 1 });
        if (fromProducer?.Initializer is { } bias) return (int)bias.Dims[0];
        var embeddings = graph.Initializers.FirstOrDefault(v => v.Name.EndsWith("word_embeddings.weight", StringComparison.Ordinal));
        if (embeddings?.Initializer is { Rank: 2 } table) return (int)table.Dims[1];
        throw NotAnEncoder(graph, "its hidden size cannot be determined");
    }

    private static int NameLinearWeights(Graph graph)
    {
        var consumers = graph.Consumers();
        var taken = new HashSet<string>(graph.ValuesByName().Keys, StringComparer.Ordinal);
        var renames = new List<(Value Weight, string Name)>();
        foreach (var matMul in graph.Nodes.Where(n => n.OpType == "MatMul"))
        {
            var weight = matMul.Input(1);
            if (weight?.Initializer is not { Rank: 2 } || weight.Name.EndsWith(".weight", StringComparison.Ordinal)) continue;
            if (!consumers.TryGetValue(matMul.Outputs[0], out var readers)) continue;
            var bias = readers.Where(r => r.OpType == "Add")
                .SelectMany(r => r.Inputs)
                .FirstOrDefault(i => i?.Initializer is not null && i.Name.EndsWith(".bias", StringComparison.Ordinal));
            if (bias is null) continue;
            var name = bias.Name[..^".bias".Length] + ".weight";
            if (taken.Add(name)) renames.Add((weight, name));
        }
        foreach (var (weight, name) in renames)
        {
            var data = weight.Initializer!;
            graph.RemoveInitializer(weight);
            graph.ReplaceAllUses(weight, graph.AddInitializer(name, data));
        }
        return renames.Count;
    }

    private static UserInputException NotAnEncoder(Graph graph, string why) =>
        new($"the base model graph '{graph.Name}' is not a BERT-family encoder OrtAgent can fine-tune: {why}");
}
